#pragma once
// Decodes the payload of one complete frame into the type's fields (one function per type, like
// one payload decoder per type). Pure: no state, no allocation except Frame::settings/origins,
// whose capacity the caller reuses.
#include "h2/frame.h"

namespace h2lens {

// Precondition: f.length/type/flags/streamId/reservedBit are set and f.payload holds exactly
// f.length bytes; every type-specific field is at its default (see resetPayloadFields).
// Fills the type's fields and f.error (first problem only). Unknown types are left as payload.
void decodeFramePayload(Frame& f);

// Puts every type-specific field, error and oversize back to their defaults, keeping the
// capacity of the vectors so a reused Frame does not allocate per frame.
void resetPayloadFields(Frame& f);

}  // namespace h2lens
