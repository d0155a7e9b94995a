// Which SIMD path the kernels run on: detected once from cpuid, overridable by PHANTOM_SIMD.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "nn/error.hpp"
#include "nn/kernels/active_isa.hpp"
#include "nn/kernels/kernels.hpp"

namespace nn::kernels {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar:
      return "scalar";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "unknown";
}

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::scalar:
      return true;
#if defined(PHANTOM_X86_SIMD)
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XGETBV).
    case Isa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("fma");
#else
    default:
      return false;
#endif
  }
  return false;
}

Isa best_isa() {
  if (cpu_supports(Isa::avx512)) return Isa::avx512;
  if (cpu_supports(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}

Isa parse_isa(const char* name) {
  std::string s = name ? name : "";
  if (s == "scalar") return Isa::scalar;
  if (s == "avx2") return Isa::avx2;
  if (s == "avx512") return Isa::avx512;
  throw phantom::ConfigError("PHANTOM_SIMD: unknown SIMD path '" + s +
                             "'; expected scalar, avx2 or avx512");
}

namespace {
Isa initial_isa() {
  const char* forced = std::getenv("PHANTOM_SIMD");
  if (forced == nullptr || *forced == '\0') return best_isa();
  Isa isa = parse_isa(forced);
  if (!cpu_supports(isa)) {
    throw phantom::ConfigError(std::string("PHANTOM_SIMD=") + forced +
                               ": this CPU (or build) cannot run that path; best available is " +
                               isa_name(best_isa()));
  }
  return isa;
}
}  // namespace

namespace isa_detail {

std::atomic<int> g_active{-1};

Isa resolve_active_isa() {
  int expected = -1;
  // Two threads may both get here first; both work out the same path, and a set_active_isa() in
  // between wins over it.
  g_active.compare_exchange_strong(expected, static_cast<int>(initial_isa()),
                                   std::memory_order_relaxed);
  return static_cast<Isa>(g_active.load(std::memory_order_relaxed));
}

}  // namespace isa_detail

Isa active_isa() {
  return isa_detail::active_isa_inline();
}

void set_active_isa(Isa isa) {
  if (!cpu_supports(isa)) {
    throw phantom::ConfigError(std::string("set_active_isa: this CPU (or build) cannot run the ") +
                               isa_name(isa) + " path; best available is " + isa_name(best_isa()));
  }
  isa_detail::g_active.store(static_cast<int>(isa), std::memory_order_relaxed);
}

}  // namespace nn::kernels
