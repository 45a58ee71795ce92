#pragma once
// Handshake messages of one direction out of handshake-record payloads (RFC 8446 §4): a
// message may span records and a record may hold several messages. Only messages up to
// `maxMessage` bytes are buffered; larger ones (big certificate chains) are skipped in
// stream and reported with `skipped` set, so memory stays bounded.
#include <cstdint>
#include <functional>

#include "common/bytes.h"

namespace h2lens {

struct HandshakeMessage {
    std::uint8_t type = 0;     // TlsHandshakeType, kept raw
    std::uint32_t length = 0;  // as announced
    ByteSpan body;             // empty when skipped; valid only during the callback
    bool skipped = false;
};

class HandshakeAssembler {
  public:
    using Callback = std::function<void(const HandshakeMessage&)>;
    explicit HandshakeAssembler(std::size_t maxMessage) : m_maxMessage(maxMessage) {}

    void feed(ByteSpan bytes, const Callback& onMessage);
    // A message is partly received (a key change now would split it: a protocol violation).
    bool midMessage() const { return m_headerHave > 0; }
    void reset();

  private:
    std::size_t m_maxMessage;
    std::uint8_t m_header[4] = {};
    std::size_t m_headerHave = 0;
    std::uint32_t m_length = 0;
    std::uint32_t m_bodyHave = 0;
    bool m_skipping = false;
    Bytes m_body;
};

}  // namespace h2lens
