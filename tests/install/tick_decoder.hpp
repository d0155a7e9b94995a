// A custom Decoder as a user writes it against phantom/decoder.hpp alone (tick_decoder.cpp
// includes nothing else). It sends a message from decode(), so it links only if the header that
// hands out the Context also defines Context::send: with the definition anywhere else, this
// compiled and then failed to link.
#pragma once

#include <string>

#include "phantom/decoder.hpp"

namespace install_test {

/// The payload the decoder sends. Only tick_decoder.cpp sends it, so no other translation unit
/// can supply the send's definition by accident.
struct Tick {
  float value;
};

/// Acts in Box(0, 100, (1,)) and sends Tick{action[0]} to agent `to` on every step.
phantom::DecoderPtr make_tick_decoder(std::string to);

}  // namespace install_test
