// The active SIMD path as a variable the dispatchers read inline (internal to nn/kernels).
//
// kernels::active_isa() is an ordinary function; a kernel that takes a few dozen nanoseconds
// (a batch-1 gemm or dense layer) would pay for the call, and for the registers its caller must
// save around it, on every product. This header exposes the variable behind it so that such a
// dispatcher reads it with one load. isa.cpp owns the variable and the rule that fills it.
#pragma once

#include <atomic>

#include "nn/kernels/kernels.hpp"

namespace nn::kernels::isa_detail {

/// The active path as an int, or -1 until it is first needed. Constant-initialised, so it is
/// valid even while other files run their static initialisers.
extern std::atomic<int> g_active;

/// Works out the path (PHANTOM_SIMD, else the best this CPU runs), records it unless
/// set_active_isa() got there first, and returns the recorded one. Throws phantom::ConfigError
/// for a PHANTOM_SIMD the CPU cannot run, as active_isa() does.
Isa resolve_active_isa();

/// The active path if it is known already, else -1: a dispatcher that must not call anything
/// (to stay a jump) reads this and leaves the -1 case to a route that calls active_isa().
inline int active_isa_if_known() {
  return g_active.load(std::memory_order_relaxed);
}

/// kernels::active_isa(), inline: one relaxed load once the path is known.
inline Isa active_isa_inline() {
  const int v = g_active.load(std::memory_order_relaxed);
  return v >= 0 ? static_cast<Isa>(v) : resolve_active_isa();
}

}  // namespace nn::kernels::isa_detail
