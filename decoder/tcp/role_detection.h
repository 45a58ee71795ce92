#pragma once
// For connections whose handshake the capture missed: does the first payload look like the
// start of what a client or a server sends?
#include "common/bytes.h"

namespace h2lens {

bool startsWithHttp2Preface(ByteSpan payload);
bool startsWithHttpRequestLine(ByteSpan payload);   // "GET / HTTP/1.1" and friends
bool startsWithHttpStatusLine(ByteSpan payload);    // "HTTP/1.1 200"

}  // namespace h2lens
