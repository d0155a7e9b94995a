// What every fuzz target shares: the oracle, a scratch directory, and the framing that lets the
// fuzzer reach past a state dict's checksum.
//
// The oracle of every target: for any input, the code under test either accepts it or throws a
// phantom::Error (the base of every nn/ and phantom/ exception). Any other exception, a sanitizer
// report, an abort or a hang is a finding. libFuzzer reports the last three itself; the helpers
// here turn a foreign exception, or a broken property a target checks (a text form that does
// not read back, a row count that does not add up), into an abort with a message, so that
// libFuzzer saves the input as a crash.
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     auto mapping = fuzz::accept_or_error([&] { return PolicyMapping::parse(fuzz::text(data,
//     size)); }); if (!mapping) return 0;                       // rejected with a phantom::Error:
//     fine fuzz::must_succeed("to_text reads back", [&] { PolicyMapping::parse(mapping->to_text());
//     }); return 0;
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "nn/error.hpp"

namespace fuzz {

/// Prints "finding: <what>" and aborts, so that libFuzzer keeps the input.
[[noreturn]] void finding(const std::string& what);

/// Aborts with a finding unless `condition` holds.
inline void check(bool condition, const std::string& property) {
  if (!condition) finding("property broken: " + property);
}

/// The description of the exception being handled (its type and message), for findings.
std::string current_exception_text();

/// Runs `body`. Returns its result (true for a void body) if it returns, std::nullopt if it throws
/// a phantom::Error (the input was rejected, as it may be). Any other exception is a finding.
template <class Fn>
auto accept_or_error(Fn&& body) {
  using R = decltype(body());
  using Out = std::conditional_t<std::is_void_v<R>, bool, R>;
  try {
    if constexpr (std::is_void_v<R>) {
      body();
      return std::optional<Out>(true);
    } else {
      return std::optional<Out>(body());
    }
  } catch (const phantom::Error&) {
    return std::optional<Out>();
  } catch (...) {
    finding("an exception that is not a phantom::Error escaped: " + current_exception_text());
  }
}

/// Runs `body`, which must not throw at all (a property of accepted input); any exception is a
/// finding naming `property`.
template <class Fn>
void must_succeed(const std::string& property, Fn&& body) {
  try {
    body();
  } catch (...) {
    finding("property broken: " + property + ": " + current_exception_text());
  }
}

/// The input as a string (any bytes, NUL included).
inline std::string text(const uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// A directory of this process's own under the system's temporary directory, created on first
/// use and removed (with its contents) when the process exits.
const std::string& scratch_dir();
/// Removes everything inside `dir`, keeping `dir`.
void clear_dir(const std::string& dir);
/// Writes `bytes` to `path` (replacing it); aborts with a finding if it cannot.
void write_file(const std::string& path, const std::string& bytes);
/// The whole file, or a finding if it cannot be read.
std::string read_file(const std::string& path);

/// A state dict's bytes made from a fuzz input. A checksum stops almost every mutation at the
/// CRC check, so the first byte picks the framing: even, the rest of the input is used as it is
/// (the checksum path is fuzzed too); odd, the rest is a state dict without its last 4 bytes, and
/// the payload length (bytes 24..31) and the CRC-32 are filled in, so mutations reach the
/// entries. seed_bytes() makes the odd framing of an encoded state dict.
std::string state_dict_bytes(const uint8_t* data, std::size_t size);
/// The fuzz input that state_dict_bytes() turns back into `encoded` (odd framing).
std::string seed_bytes(const std::vector<uint8_t>& encoded);

}  // namespace fuzz
