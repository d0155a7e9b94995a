// CRC-32C with a 256-entry table built at compile time.
#include "analysis/crc32c.hpp"

#include <array>

namespace phantom {

namespace {

constexpr uint32_t kReflectedPolynomial = 0x82F63B78u;

// Entry b: the CRC register after shifting byte b through it eight times, one bit at a time.
constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t r = b;
    for (int bit = 0; bit < 8; ++bit) r = (r & 1u) ? (r >> 1) ^ kReflectedPolynomial : r >> 1;
    table[b] = r;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = make_table();

}  // namespace

uint32_t crc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data)
    crc = kTable[(crc ^ static_cast<unsigned char>(c)) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t mask_crc32c(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;  // unsigned arithmetic wraps modulo 2^32
}

uint32_t masked_crc32c(std::string_view data) {
  return mask_crc32c(crc32c(data));
}

}  // namespace phantom
