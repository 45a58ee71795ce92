#pragma once
// The type-specific fields of one frame as the text views show them, in `nghttp -v`'s words:
// one place for `h2lens frames`, `live --view frames` and the GUI's frames table, so a new frame
// type is spelled once (decoder/h2/README.md, "Adding a frame type").
#include <string>

#include "h2/frame.h"

namespace h2lens {

// "(niv=2) [SETTINGS_MAX_CONCURRENT_STREAMS:100] ...", "(window_size_increment=65535)", then
// what can be wrong with any frame ("[pad_length=4, reserved bit set]"); empty for types
// without fields worth showing. Not the MALFORMED text: frameProblem() is that.
std::string frameDetails(const Frame& frame);

// "MALFORMED: <why>" for a frame that did not decode, else "".
std::string frameProblem(const Frame& frame);

}  // namespace h2lens
