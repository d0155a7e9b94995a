// Test support: reads TensorBoard event files back, checking every CRC, so the tests can assert
// what a file holds. Written independently of the writer's encoder (a generic protobuf field
// walker), and strict: a field the writer should not produce is an error, not skipped.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/crc32c.hpp"

namespace tensorboard_test {

// One Event as read back.
struct Event {
  double wall_time = 0.0;
  bool has_step = false;  // proto3 leaves out step 0
  int64_t step = 0;
  std::string file_version;  // set on the first event of a file
  bool has_summary = false;
  bool session_start = false;  // a SessionLog with status START
  std::string tag;             // the summary's one value
  float value = 0.0f;
};

struct EventFile {
  std::vector<Event> events;
  // Bytes after the last complete record: a record cut short (0 if the file ends cleanly).
  std::size_t torn_bytes = 0;
};

// Reads little-endian values; throws when the bytes run out.
class Bytes {
 public:
  Bytes(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}
  bool done() const { return pos_ == data_.size(); }
  std::size_t pos() const { return pos_; }
  uint64_t le(int n) {
    need(static_cast<std::size_t>(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      need(1);
      const auto b = static_cast<unsigned char>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7Fu) << shift;
      if ((b & 0x80u) == 0) return v;
    }
    throw std::runtime_error(what_ + ": varint longer than 10 bytes");
  }
  std::string_view take(std::size_t n) {
    need(n);
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  void need(std::size_t n) const {
    if (data_.size() - pos_ < n)
      throw std::runtime_error(what_ + ": ends inside a field at byte " + std::to_string(pos_));
  }
  std::string_view data_;
  std::size_t pos_ = 0;
  std::string what_;
};

// Calls f(field, wire_type, bytes) for each field of a message; varints and fixed values are
// passed as their value in `number`, length-delimited ones as `bytes`.
template <class F>
void walk_message(std::string_view message, const std::string& what, F&& f) {
  Bytes in(message, what);
  while (!in.done()) {
    const uint64_t key = in.varint();
    const uint32_t field = static_cast<uint32_t>(key >> 3);
    const uint32_t type = static_cast<uint32_t>(key & 7u);
    uint64_t number = 0;
    std::string_view bytes;
    switch (type) {
      case 0:
        number = in.varint();
        break;
      case 1:
        number = in.le(8);
        break;
      case 2:
        bytes = in.take(in.varint());
        break;
      case 5:
        number = in.le(4);
        break;
      default:
        throw std::runtime_error(what + ": unknown wire type " + std::to_string(type));
    }
    f(field, type, number, bytes);
  }
}

inline void expect_type(const std::string& what, uint32_t field, uint32_t type, uint32_t want) {
  if (type != want)
    throw std::runtime_error(what + ": field " + std::to_string(field) + " has wire type " +
                             std::to_string(type) + ", expected " + std::to_string(want));
}

inline Event decode_event(std::string_view payload, const std::string& what) {
  Event e;
  walk_message(payload, what, [&](uint32_t field, uint32_t type, uint64_t n, std::string_view b) {
    if (field == 1) {
      expect_type(what, field, type, 1);
      std::memcpy(&e.wall_time, &n, sizeof e.wall_time);
    } else if (field == 2) {
      expect_type(what, field, type, 0);
      e.has_step = true;
      e.step = static_cast<int64_t>(n);
    } else if (field == 3) {
      expect_type(what, field, type, 2);
      e.file_version = std::string(b);
    } else if (field == 5) {
      expect_type(what, field, type, 2);
      e.has_summary = true;
      int values = 0;
      walk_message(b, what + " summary", [&](uint32_t f, uint32_t t, uint64_t, std::string_view v) {
        if (f != 1) throw std::runtime_error(what + ": summary field " + std::to_string(f));
        expect_type(what, f, t, 2);
        ++values;
        walk_message(
            v, what + " value", [&](uint32_t vf, uint32_t vt, uint64_t vn, std::string_view vb) {
              if (vf == 1) {
                expect_type(what, vf, vt, 2);
                e.tag = std::string(vb);
              } else if (vf == 2) {
                expect_type(what, vf, vt, 5);
                const auto bits = static_cast<uint32_t>(vn);
                std::memcpy(&e.value, &bits, sizeof e.value);
              } else {
                throw std::runtime_error(what + ": unexpected value field " + std::to_string(vf));
              }
            });
      });
      if (values != 1)
        throw std::runtime_error(what + ": " + std::to_string(values) + " values in a summary");
    } else if (field == 7) {
      expect_type(what, field, type, 2);
      walk_message(b, what + " session log",
                   [&](uint32_t f, uint32_t t, uint64_t status, std::string_view) {
                     if (f != 1 || t != 0 || status != 1)
                       throw std::runtime_error(what + ": a session log that is not START");
                     e.session_start = true;
                   });
    } else {
      throw std::runtime_error(what + ": unexpected event field " + std::to_string(field));
    }
  });
  return e;
}

// Every complete record of `data`; a CRC mismatch throws, naming the record and its offset.
inline EventFile decode_event_file(std::string_view data, const std::string& name = "file") {
  EventFile file;
  std::size_t pos = 0;
  for (int record = 0; pos < data.size(); ++record) {
    const std::string what =
        name + " record " + std::to_string(record) + " at byte " + std::to_string(pos);
    if (data.size() - pos < 12) break;  // torn inside the header
    Bytes header(data.substr(pos, 12), what);
    const uint64_t length = header.le(8);
    const auto length_crc = static_cast<uint32_t>(header.le(4));
    if (length_crc != phantom::masked_crc32c(data.substr(pos, 8)))
      throw std::runtime_error(what + ": the length's CRC does not match");
    if (length > data.size() || data.size() - pos - 12 < length + 4)
      break;  // torn after the header
    const std::string_view payload = data.substr(pos + 12, length);
    Bytes footer(data.substr(pos + 12 + length, 4), what);
    if (static_cast<uint32_t>(footer.le(4)) != phantom::masked_crc32c(payload))
      throw std::runtime_error(what + ": the payload's CRC does not match");
    file.events.push_back(decode_event(payload, what));
    pos += 12 + length + 4;
  }
  file.torn_bytes = data.size() - pos;
  return file;
}

}  // namespace tensorboard_test
