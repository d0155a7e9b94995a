// Hand-written protobuf encoding of the Event fields a scalar needs, and TFRecord framing.
#include "analysis/tensorboard_event.hpp"

#include <cstring>

#include "analysis/crc32c.hpp"

namespace phantom {

namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80u) {
    out += static_cast<char>((v & 0x7Fu) | 0x80u);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void append_key(std::string& out, uint32_t field, WireType type) {
  append_varint(out, (static_cast<uint64_t>(field) << 3) | type);
}

// Little-endian whatever the machine's byte order.
void append_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFFu);
}

void append_double_field(std::string& out, uint32_t field, double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  append_key(out, field, kFixed64);
  append_le(out, bits, 8);
}

void append_float_field(std::string& out, uint32_t field, float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  append_key(out, field, kFixed32);
  append_le(out, bits, 4);
}

// A string, or a nested message already encoded.
void append_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  append_key(out, field, kLengthDelimited);
  append_varint(out, bytes.size());
  out += bytes;
}

// Field numbers.
constexpr uint32_t kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5,
                   kEventSessionLog = 7;
constexpr uint32_t kSessionLogStatus = 1;
constexpr uint64_t kSessionStart = 1;
constexpr uint32_t kSummaryValue = 1;
constexpr uint32_t kValueTag = 1, kValueSimpleValue = 2;

// An event's wall time and step; proto3 leaves out step 0.
void append_time_and_step(std::string& out, double wall_time, int64_t step) {
  append_double_field(out, kEventWallTime, wall_time);
  if (step != 0) {
    append_key(out, kEventStep, kVarint);
    append_varint(out, static_cast<uint64_t>(step));  // two's complement for a negative step
  }
}

}  // namespace

std::string encode_file_version_event(double wall_time) {
  std::string event;
  append_double_field(event, kEventWallTime, wall_time);
  append_bytes(event, kEventFileVersion, kTensorBoardFileVersion);
  return event;
}

std::string encode_scalar_event(double wall_time, int64_t step, std::string_view tag, float value) {
  std::string summary_value;
  append_bytes(summary_value, kValueTag, tag);
  append_float_field(summary_value, kValueSimpleValue, value);
  std::string summary;
  append_bytes(summary, kSummaryValue, summary_value);

  std::string event;
  append_time_and_step(event, wall_time, step);
  append_bytes(event, kEventSummary, summary);
  return event;
}

std::string encode_session_start_event(double wall_time, int64_t step) {
  std::string session_log;
  append_key(session_log, kSessionLogStatus, kVarint);
  append_varint(session_log, kSessionStart);
  std::string event;
  append_time_and_step(event, wall_time, step);
  append_bytes(event, kEventSessionLog, session_log);
  return event;
}

void append_tfrecord(std::string& out, std::string_view payload) {
  std::string length;
  append_le(length, payload.size(), 8);
  out += length;
  append_le(out, masked_crc32c(length), 4);
  out += payload;
  append_le(out, masked_crc32c(payload), 4);
}

}  // namespace phantom
