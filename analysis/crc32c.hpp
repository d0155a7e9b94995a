// CRC-32C (Castagnoli), the checksum of TFRecord files such as TensorBoard's event files.
//
// A CRC is the remainder of the data, read as a polynomial over GF(2), divided by a fixed
// polynomial; it catches every burst of flipped bits shorter than 32 and almost every other
// corruption. CRC-32C uses the polynomial 0x1EDC6F41 (0x82F63B78 bit-reversed, since the bits of
// each byte are taken low bit first), starts from all ones and inverts the result: the standard
// check value, the CRC of the nine bytes "123456789", is 0xE3069283.
//
// TFRecord stores CRCs "masked": rotated right by 15 bits plus a constant, because a CRC of data
// that itself holds CRCs is weaker (the masked value is unlikely to look like the data's own).
//
// This is the plain table method (one 256-entry table, one byte per step): the event files of a
// training run hold a few kilobytes per iteration, so speed does not matter here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace phantom {

/// The CRC-32C of `data` (the check value: crc32c("123456789") == 0xE3069283).
uint32_t crc32c(std::string_view data);

/// TFRecord's masking of a CRC: rotated right by 15 bits, plus 0xA282EAD8 (modulo 2^32).
uint32_t mask_crc32c(uint32_t crc);

/// mask_crc32c(crc32c(data)), what a TFRecord stores after its length and after its payload.
uint32_t masked_crc32c(std::string_view data);

}  // namespace phantom
