// FNV-1a 64: the hash phantom-regress pins results with.
//
// A regression checksum must mean the same thing on every machine and in every later version of
// the tool, so it is a hash we define ourselves rather than std::hash (whose values the standard
// leaves to each library). FNV-1a (Fowler, Noll, Vo) is the simplest such hash with published
// test vectors: start from the 64-bit offset basis, then for every byte xor it into the state and
// multiply by the 64-bit FNV prime, modulo 2^64. It is not cryptographic: it detects accidental
// change, which is all a regression test needs.
//
// Values are hashed as their exact bytes: a float as its 4 IEEE-754 bytes, an integer as its 8
// bytes, both little-endian (fixed here, whatever the host), so -0 and 0 or two NaN payloads
// differ, as they should when the contract is bit-identity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace regress {

/// The FNV-1a 64 state: feed bytes in order, read value(). Fnv1a64().value() is the offset basis.
class Fnv1a64 {
 public:
  static constexpr uint64_t kOffsetBasis = 14695981039346656037ull;
  static constexpr uint64_t kPrime = 1099511628211ull;

  /// Hashes `size` bytes at `data`, continuing from the bytes fed so far.
  constexpr Fnv1a64& bytes(const unsigned char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) state_ = (state_ ^ data[i]) * kPrime;
    return *this;
  }
  /// Hashes the characters of `s` (not a terminating NUL).
  constexpr Fnv1a64& text(std::string_view s) {
    for (char c : s) state_ = (state_ ^ static_cast<unsigned char>(c)) * kPrime;
    return *this;
  }
  /// Hashes the 8 bytes of `v`, least significant first.
  constexpr Fnv1a64& u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) state_ = (state_ ^ ((v >> (8 * i)) & 0xFF)) * kPrime;
    return *this;
  }
  /// Hashes the 4 bytes of `v`, least significant first.
  constexpr Fnv1a64& u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) state_ = (state_ ^ ((v >> (8 * i)) & 0xFF)) * kPrime;
    return *this;
  }
  /// Hashes the IEEE-754 bits of `n` floats, each as u32.
  Fnv1a64& floats(const float* values, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, &values[i], sizeof bits);
      u32(bits);
    }
    return *this;
  }
  /// Hashes the IEEE-754 bits of `v` as u64.
  Fnv1a64& f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return u64(bits);
  }

  constexpr uint64_t value() const { return state_; }

 private:
  uint64_t state_ = kOffsetBasis;
};

/// FNV-1a 64 of the bytes of `s`.
constexpr uint64_t fnv1a64(std::string_view s) {
  return Fnv1a64().text(s).value();
}

}  // namespace regress
