// TensorBoard event files: CRC-32C, the exact bytes of known events, tag cleaning, torn files
// and round trips through a reader that checks every CRC (tests/analysis/tensorboard_reader.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analysis/crc32c.hpp"
#include "analysis/tensorboard_reader.hpp"
#include "analysis/tensorboard_writer.hpp"
#include "nn/error.hpp"
#include "test_files.hpp"

namespace {

using analysis_test::read_all;
using analysis_test::ScratchDir;
using analysis_test::write_all;
namespace fs = std::filesystem;

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i < hex.size();) {
    if (hex[i] == ' ' || hex[i] == '|') {
      ++i;
      continue;
    }
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    i += 2;
  }
  return bytes;
}

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (!hex.empty()) hex += ' ';
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

// A clock that returns the given times in turn (the last one from then on).
phantom::TensorBoardWriter::WallClock clock_of(std::vector<double> times) {
  auto next = std::make_shared<std::size_t>(0);
  return [times, next] { return times[std::min(times.size() - 1, (*next)++)]; };
}

TEST(Crc32c, StandardCheckValueAndMasking) {
  EXPECT_EQ(phantom::crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(phantom::masked_crc32c("123456789"), 0xC78AB0E5u);
  EXPECT_EQ(phantom::crc32c(""), 0u);
  EXPECT_EQ(phantom::masked_crc32c(""), 0xA282EAD8u);
}

// The file-version event and one scalar, byte for byte as protobuf's own encoder writes them.
TEST(TensorBoardWriter, WritesTheKnownBytesOfTwoEvents) {
  ScratchDir dir;
  std::string path;
  {
    phantom::TensorBoardWriter tb(dir.path().string(), clock_of({1700000000.0, 1700000001.5}),
                                  "host");
    tb.add_scalar("loss", 0.5, 3);
    path = tb.path();
    EXPECT_EQ(tb.records(), 2u);
  }
  EXPECT_EQ(fs::path(path).filename().string(), "events.out.tfevents.1700000000.host");
  const std::string expected = from_hex(
      "18 00 00 00 00 00 00 00 | a3 7f 4b 22 |"
      " 09 00 00 00 40 fc 54 d9 41 1a 0d 62 72 61 69 6e 2e 45 76 65 6e 74 3a 32 | ec ed 8f 9d |"
      " 1a 00 00 00 00 00 00 00 | 12 9b d8 2d |"
      " 09 00 00 60 40 fc 54 d9 41 10 03 2a 0d 0a 0b 0a 04 6c 6f 73 73 15 00 00 00 3f |"
      " 96 25 3a 59");
  ASSERT_EQ(expected.size(), 82u);
  EXPECT_EQ(to_hex(read_all(path)), to_hex(expected));
}

// A restart mark: Event{wall_time, step 3, session_log{status START}}, field by field.
TEST(TensorBoardWriter, WritesTheKnownBytesOfASessionStart) {
  ScratchDir dir;
  phantom::TensorBoardWriter tb(dir.path().string(), clock_of({1700000000.0, 1700000000.0}), "h");
  tb.add_session_start(3);
  const std::string bytes = read_all(tb.path());
  ASSERT_EQ(bytes.size(), 40u + 12u + 15u + 4u);
  EXPECT_EQ(to_hex(bytes.substr(52, 15)),
            to_hex(from_hex("09 00 00 00 40 fc 54 d9 41 10 03 3a 02 08 01")));
  const tensorboard_test::EventFile file = tensorboard_test::decode_event_file(bytes);
  ASSERT_EQ(file.events.size(), 2u);
  EXPECT_TRUE(file.events[1].session_start);
  EXPECT_EQ(file.events[1].step, 3);
}

TEST(TensorBoardWriter, LeavesOutStepZeroButKeepsValueZero) {
  ScratchDir dir;
  phantom::TensorBoardWriter tb(dir.path().string(), clock_of({1700000000.0, 1700000001.5}), "h");
  tb.add_scalar("loss", 0.5, 0);
  tb.add_scalar("zero", 0.0, 7);
  const tensorboard_test::EventFile file = tensorboard_test::decode_event_file(read_all(tb.path()));
  ASSERT_EQ(file.events.size(), 3u);
  // Without "10 03" the scalar's payload is 24 bytes: 12 + 24 + 4 after the first 40 bytes.
  EXPECT_EQ(read_all(tb.path()).substr(40, 12).substr(0, 8), from_hex("18 00 00 00 00 00 00 00"));
  EXPECT_FALSE(file.events[1].has_step);
  EXPECT_TRUE(file.events[2].has_step);
  EXPECT_EQ(file.events[2].tag, "zero");
  EXPECT_EQ(file.events[2].value, 0.0f);
}

TEST(TensorBoardWriter, CleansTagsAsTensorboardXDoes) {
  EXPECT_EQ(phantom::clean_tensorboard_tag("loss rate%"), "loss_rate_");
  EXPECT_EQ(phantom::clean_tensorboard_tag("/x/y"), "x/y");
  EXPECT_EQ(phantom::clean_tensorboard_tag("//x"), "x");
  EXPECT_EQ(phantom::clean_tensorboard_tag("policy/shop-1/reward_mean.v2"),
            "policy/shop-1/reward_mean.v2");
  EXPECT_EQ(phantom::clean_tensorboard_tag("a:b,c"), "a_b_c");
  EXPECT_EQ(phantom::clean_tensorboard_tag("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 letters stay

  ScratchDir dir;
  phantom::TensorBoardWriter tb(dir.path().string(), clock_of({1.0}), "h");
  tb.add_scalar("/loss rate%", 1.0, 1);
  EXPECT_EQ(tensorboard_test::decode_event_file(read_all(tb.path())).events[1].tag, "loss_rate_");
  try {
    tb.add_scalar("///", 1.0, 1);
    FAIL() << "a tag of slashes only was accepted";
  } catch (const phantom::ValueError& e) {
    EXPECT_CONTAINS(e.what(), "'///'");
    EXPECT_CONTAINS(e.what(), tb.path());
  }
}

// tags a and b at steps 0..99: every value and step comes back, every CRC checks, and a flipped
// payload byte fails the payload's CRC.
TEST(TensorBoardWriter, RoundTripsManyScalars) {
  ScratchDir dir;
  phantom::TensorBoardWriter tb(dir.path().string(), clock_of({1700000000.0}), "h");
  for (int64_t step = 0; step < 100; ++step) {
    tb.add_scalar("a", 0.25 * static_cast<double>(step), step);
    tb.add_scalar("b", -1e6 + static_cast<double>(step), step);
  }
  const std::string bytes = read_all(tb.path());
  const tensorboard_test::EventFile file = tensorboard_test::decode_event_file(bytes);
  ASSERT_EQ(file.events.size(), 201u);
  EXPECT_EQ(file.torn_bytes, 0u);
  EXPECT_EQ(file.events[0].file_version, "brain.Event:2");
  EXPECT_FALSE(file.events[0].has_step);
  for (int64_t step = 0; step < 100; ++step) {
    const tensorboard_test::Event& a = file.events[static_cast<std::size_t>(1 + 2 * step)];
    const tensorboard_test::Event& b = file.events[static_cast<std::size_t>(2 + 2 * step)];
    EXPECT_EQ(a.tag, "a");
    EXPECT_EQ(b.tag, "b");
    EXPECT_EQ(a.has_step, step != 0) << "step " << step;
    EXPECT_EQ(a.step, step);
    EXPECT_EQ(b.step, step);
    EXPECT_EQ(a.value, static_cast<float>(0.25 * static_cast<double>(step))) << "step " << step;
    EXPECT_EQ(b.value, static_cast<float>(-1e6 + static_cast<double>(step))) << "step " << step;
    EXPECT_EQ(a.wall_time, 1700000000.0);
  }

  std::string corrupted = bytes;
  corrupted[40 + 12 + 20] ^= 0x01;  // inside the payload of the first scalar
  try {
    tensorboard_test::decode_event_file(corrupted);
    FAIL() << "a flipped payload byte passed the CRC";
  } catch (const std::runtime_error& e) {
    EXPECT_CONTAINS(e.what(), "record 1 at byte 40: the payload's CRC");
  }
}

// A process killed in the middle of a write leaves a torn last record: cut the file at every
// length, and the reader still gets every complete record and reports the rest as torn.
TEST(TensorBoardWriter, FileCutAnywhereReadsBackItsCompleteRecords) {
  ScratchDir dir;
  phantom::TensorBoardWriter tb(dir.path().string(), clock_of({1700000000.0}), "h");
  std::vector<std::size_t> ends = {static_cast<std::size_t>(fs::file_size(tb.path()))};
  for (int64_t step = 1; step <= 5; ++step) {
    tb.add_scalar("reward", static_cast<double>(step), step);
    ends.push_back(static_cast<std::size_t>(fs::file_size(tb.path())));
  }
  const std::string bytes = read_all(tb.path());
  for (std::size_t size = 0; size <= bytes.size(); ++size) {
    const tensorboard_test::EventFile file =
        tensorboard_test::decode_event_file(std::string_view(bytes).substr(0, size));
    std::size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= size) ++complete;
    ASSERT_EQ(file.events.size(), complete) << "file cut at " << size << " bytes";
    EXPECT_EQ(file.torn_bytes, size - (complete ? ends[complete - 1] : 0))
        << "file cut at " << size << " bytes";
    for (std::size_t k = 1; k < complete; ++k)
      EXPECT_EQ(file.events[k].value, static_cast<float>(k));
  }
}

TEST(TensorBoardWriter, NeverReusesAFileOfTheSameSecond) {
  ScratchDir dir;
  phantom::TensorBoardWriter first(dir.path().string(), clock_of({1700000000.25}), "h");
  first.add_scalar("x", 1.0, 1);
  phantom::TensorBoardWriter second(dir.path().string(), clock_of({1700000000.75}), "h");
  EXPECT_EQ(fs::path(first.path()).filename().string(), "events.out.tfevents.1700000000.h");
  EXPECT_EQ(fs::path(second.path()).filename().string(), "events.out.tfevents.1700000000.h.1");
  EXPECT_EQ(tensorboard_test::decode_event_file(read_all(first.path())).events.size(), 2u);
}

TEST(TensorBoardWriter, CreatesTheDirectoryAndNamesWhatItCannotCreate) {
  ScratchDir dir;
  phantom::TensorBoardWriter tb(dir.file("runs/a/b"), clock_of({5.0}), "h");
  EXPECT_TRUE(fs::exists(tb.path()));
  write_all(dir.file("plain"), "not a directory");
  try {
    phantom::TensorBoardWriter bad(dir.file("plain/sub"), clock_of({5.0}), "h");
    FAIL() << "a directory under a plain file was accepted";
  } catch (const phantom::Error& e) {
    EXPECT_CONTAINS(e.what(), dir.file("plain/sub"));
  }
}

}  // namespace
