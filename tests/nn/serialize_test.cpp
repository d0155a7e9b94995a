// Tests of state dict files (nn/serialize.hpp): CRC-32 known values, the byte layout, exact
// round trips of every kind of entry and of packed arrays, and, above all, that every damaged or
// foreign file is rejected with a FormatError naming the file and the problem, never a crash, a
// hang or a huge allocation. Also the atomic-write contract of save_state_dict.
//
// Malformed files whose checksum is valid (what a buggy writer could produce) are built byte by
// byte with RawFile below, which spells out the documented format independently of the encoder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "nn/serialize.hpp"
#include "nn/tensor.hpp"

namespace {

namespace fs = std::filesystem;
using nn::Shape;
using nn::StateDict;
using nn::Tensor;

// ---- Helpers ------------------------------------------------------------------------------

#define EXPECT_CONTAINS(haystack, needle)                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) \
      << "message: \"" << (haystack) << "\"\n does not contain \"" << (needle) << "\""

// Runs f, which must throw exactly ExceptionT; returns the message ("" after a failure).
template <class ExceptionT>
std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const ExceptionT& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "did not throw";
  return "";
}

std::string load_error(const std::string& path) {
  return error_message<phantom::FormatError>([&] { nn::load_state_dict(path); });
}
std::string decode_error(const std::vector<uint8_t>& bytes) {
  return error_message<phantom::FormatError>(
      [&] { nn::decode_state_dict(bytes.data(), bytes.size(), "crafted.sd"); });
}

uint32_t float_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float float_from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint64_t double_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
double double_from_bits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}
void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// The documented format, written field by field: header (with the payload length left to
// sealed()), then whatever entries a test appends, then sealed() adds the length and the CRC.
struct RawFile {
  std::vector<uint8_t> b;

  explicit RawFile(uint64_t count, uint32_t version = 1, uint32_t flags = 0) {
    const char magic[8] = {'P', 'H', 'N', 'T', 'M', 'S', 'D', '\0'};
    b.assign(magic, magic + 8);
    u32(version);
    u32(flags);
    u64(count);
    u64(0);  // payload length
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void raw(const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
  void entry(uint32_t kind, const std::string& name) {
    u32(kind);
    u32(static_cast<uint32_t>(name.size()));
    raw(name);
  }
  void int_entry(const std::string& name, int64_t v) {
    entry(3, name);
    u64(static_cast<uint64_t>(v));
  }
  std::vector<uint8_t> sealed() const {
    std::vector<uint8_t> out = b;
    uint64_t payload = out.size() - 32;
    for (int i = 0; i < 8; ++i) out[24 + i] = static_cast<uint8_t>(payload >> (8 * i));
    uint32_t crc = nn::crc32(out.data(), out.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(crc >> (8 * i)));
    return out;
  }
};

// Recomputes the trailing CRC of an encoded file after a test edited its bytes on purpose.
void reseal(std::vector<uint8_t>& bytes) {
  uint32_t crc = nn::crc32(bytes.data(), bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

// A small dict with one entry of each kind (the file is ~150 bytes).
StateDict small_dict() {
  StateDict d;
  d.set_tensor("w", Tensor::from_vector({1, 2, 3, 4, 5, 6}, Shape{2, 3}));
  d.set_float("lr", 0.001);
  d.set_int("step", 42);
  d.set_string("name", "ppo");
  return d;
}

// Each test of files gets its own fresh directory, removed afterwards.
class SerializeFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("phantom_serialize_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// ---- CRC-32 -------------------------------------------------------------------------------

TEST(SerializeCrc32, KnownValues) {
  EXPECT_EQ(nn::crc32("", 0), 0x00000000u);
  EXPECT_EQ(nn::crc32("a", 1), 0xE8B7BE43u);
  EXPECT_EQ(nn::crc32("123456789", 9), 0xCBF43926u);  // the standard check value
  const char* fox = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(nn::crc32(fox, std::strlen(fox)), 0x414FA339u);
  uint8_t all[256];
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(nn::crc32(all, 256), 0x29058C73u);
}

TEST(SerializeCrc32, ContinuesFromPreviousValue) {
  const char* s = "123456789";
  for (std::size_t split = 0; split <= 9; ++split) {
    EXPECT_EQ(nn::crc32(s + split, 9 - split, nn::crc32(s, split)), 0xCBF43926u) << split;
  }
}

// ---- Layout ---------------------------------------------------------------------------------

// The encoder's bytes equal the documented layout written out by hand.
TEST(SerializeFormat, BytesMatchTheDocumentedLayout) {
  StateDict d;
  d.set_int("a", -2);
  d.set_float("f", 1.5);
  d.set_string("s", std::string("x\0y", 3));
  d.set_tensor("t", Tensor::from_vector({1.0f, -2.0f}, Shape{2, 1}));

  RawFile raw(4);
  raw.int_entry("a", -2);
  raw.entry(2, "f");
  raw.u64(double_bits(1.5));
  raw.entry(4, "s");
  raw.u64(3);
  raw.raw(std::string("x\0y", 3));
  raw.entry(1, "t");
  raw.u32(2);
  raw.u64(2);
  raw.u64(1);
  raw.u32(float_bits(1.0f));
  raw.u32(float_bits(-2.0f));
  const std::vector<uint8_t> expected = raw.sealed();

  EXPECT_EQ(nn::encode_state_dict(d), expected);
  // Spot-check the header bytes literally: magic, version 1, flags 0, 4 entries.
  const std::vector<uint8_t> head(expected.begin(), expected.begin() + 24);
  const std::vector<uint8_t> want = {'P', 'H', 'N', 'T', 'M', 'S', 'D', 0, 1, 0, 0, 0,
                                     0,   0,   0,   0,   4,   0,   0,   0, 0, 0, 0, 0};
  EXPECT_EQ(head, want);
}

// ---- Round trips ----------------------------------------------------------------------------

TEST_F(SerializeFile, RoundTripsEveryKindExactly) {
  StateDict d;
  // Tensors of rank 0..4, including empty ones.
  d.set_tensor("scalar", Tensor::scalar(3.5f));
  d.set_tensor("empty1", Tensor::from_vector({}, Shape{0}));
  d.set_tensor("empty3", Tensor::from_vector({}, Shape{2, 0, 3}));
  d.set_tensor("vec", Tensor::from_vector({1, 2, 3}, Shape{3}));
  std::vector<float> v24(24);
  for (int i = 0; i < 24; ++i) v24[i] = 0.25f * i - 3.0f;
  d.set_tensor("rank3", Tensor::from_vector(v24, Shape{2, 3, 4}));
  d.set_tensor("rank4", Tensor::from_vector(v24, Shape{1, 2, 3, 4}));
  // Float bit patterns that must survive untouched: NaN payloads (quiet and signalling), -0,
  // infinities, the smallest denormal, the largest finite value.
  const std::vector<uint32_t> special32 = {0x7fc00123u, 0x7f800001u, 0xffc00000u, 0x80000000u,
                                           0x7f800000u, 0xff800000u, 0x00000001u, 0x7f7fffffu};
  std::vector<float> special_values;
  for (uint32_t b : special32) special_values.push_back(float_from_bits(b));
  d.set_tensor("special", Tensor::from_vector(special_values, Shape{2, 4}));

  const std::vector<uint64_t> special64 = {
      0x7ff8000000000123ull, 0x7ff0000000000001ull, 0x8000000000000000ull, 0x7ff0000000000000ull,
      0xfff0000000000000ull, 0x0000000000000001ull, 0x7fefffffffffffffull, double_bits(0.1)};
  for (std::size_t i = 0; i < special64.size(); ++i) {
    d.set_float("f" + std::to_string(i), double_from_bits(special64[i]));
  }
  const std::vector<int64_t> ints = {std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max(), 0, -1, 1};
  for (std::size_t i = 0; i < ints.size(); ++i) d.set_int("i" + std::to_string(i), ints[i]);

  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  const std::vector<std::string> strings = {"", "hello", std::string("a\0b\0", 4), all_bytes,
                                            std::string(100000, 'z')};
  for (std::size_t i = 0; i < strings.size(); ++i) {
    d.set_string("s" + std::to_string(i), strings[i]);
  }
  d.set_int(std::string("name\0with nul", 13), 7);
  d.set_int("", 8);  // the empty name is a name like any other
  d.set_string("ünïcode/名前", "ok");

  // An RNG saved mid-buffer continues exactly where it stopped.
  nn::Rng rng(7, 3);
  for (int i = 0; i < 5; ++i) rng.next_u32();
  d.set_rng("rng", rng);
  std::vector<uint32_t> expected_words;
  for (int i = 0; i < 20; ++i) expected_words.push_back(rng.next_u32());

  const std::string file = path("all.sd");
  nn::save_state_dict(d, file);
  StateDict l = nn::load_state_dict(file);

  EXPECT_EQ(l.source(), file);
  EXPECT_EQ(d.source(), "");
  EXPECT_EQ(l.names(), d.names());
  EXPECT_EQ(l.size(), d.size());

  for (const char* name : {"scalar", "empty1", "empty3", "vec", "rank3", "rank4"}) {
    EXPECT_EQ(l.tensor(name).shape(), d.tensor(name).shape()) << name;
    EXPECT_EQ(l.tensor(name).to_vector(), d.tensor(name).to_vector()) << name;
  }
  EXPECT_EQ(l.tensor("scalar").rank(), 0);
  EXPECT_EQ(l.tensor("empty3").shape(), (Shape{2, 0, 3}));
  const std::vector<float> special_loaded = l.tensor("special").to_vector();
  ASSERT_EQ(special_loaded.size(), special32.size());
  for (std::size_t i = 0; i < special32.size(); ++i) {
    EXPECT_EQ(float_bits(special_loaded[i]), special32[i]) << i;
  }
  for (std::size_t i = 0; i < special64.size(); ++i) {
    EXPECT_EQ(double_bits(l.get_float("f" + std::to_string(i))), special64[i]) << i;
  }
  for (std::size_t i = 0; i < ints.size(); ++i) {
    EXPECT_EQ(l.get_int("i" + std::to_string(i)), ints[i]);
  }
  for (std::size_t i = 0; i < strings.size(); ++i) {
    EXPECT_EQ(l.get_string("s" + std::to_string(i)), strings[i]) << i;
  }
  EXPECT_EQ(l.get_int(std::string("name\0with nul", 13)), 7);
  EXPECT_FALSE(l.contains("name"));
  EXPECT_EQ(l.get_int(""), 8);
  EXPECT_EQ(l.get_string("ünïcode/名前"), "ok");

  nn::Rng restored = l.get_rng("rng");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(restored.next_u32(), expected_words[i]) << i;

  // Saving what was loaded gives the same bytes again.
  EXPECT_EQ(nn::encode_state_dict(l), read_file(file));
}

TEST(StateDict, InsertionOrderIsPreserved) {
  StateDict d;
  for (const char* name : {"zeta", "alpha", "mid", "beta"}) d.set_int(name, 1);
  const std::vector<std::string> order = {"zeta", "alpha", "mid", "beta"};
  EXPECT_EQ(d.names(), order);
  std::vector<uint8_t> bytes = nn::encode_state_dict(d);
  EXPECT_EQ(nn::decode_state_dict(bytes.data(), bytes.size(), "mem").names(), order);
}

// A dict assembled from parts (a checkpoint from workers' states received from other
// processes) encodes to the bytes of one written whole, and holds copies of the parts' tensors.
TEST(StateDict, AppendCopiesEveryEntryInOrderAsIfWrittenWhole) {
  Tensor t = Tensor::from_vector({1, 2, 3}, Shape{3});
  StateDict whole, first, second, assembled;
  for (StateDict* d : {&whole, &first}) {
    d->set_int("count", 2);
    d->set_tensor("w.0", t);
  }
  for (StateDict* d : {&whole, &second}) {
    d->set_float("w.1", -0.0);
    d->set_string("w.name", std::string("a\0b", 3));
    d->set_doubles("w.list", {1.5, -2.0});
  }
  assembled.set_int("count", 0);  // replaced in place by the first part's
  assembled.append(first);
  assembled.append(second);
  EXPECT_EQ(nn::encode_state_dict(assembled), nn::encode_state_dict(whole));
  Tensor part = first.tensor("w.0");  // a handle on the part's storage
  part.data()[0] = 100.0f;
  EXPECT_EQ(assembled.tensor("w.0").to_vector(), (std::vector<float>{1, 2, 3}));
}

// One dict carries another under a prefix and gives it back whole: every kind of entry, in
// order, values bit for bit, and nothing of the carrier's own entries.
TEST(StateDict, PrefixedEntriesTravelInsideAnotherDictAndComeBackWhole) {
  StateDict inner;
  inner.set_tensor("policy.w", Tensor::from_vector({1.5f, -0.0f, 3.0f, 4.0f}, Shape{2, 2}));
  inner.set_float("policy.lr", -0.0);
  inner.set_int("policy.steps", -7);
  inner.set_string("policy.name", std::string("a\0b", 3));
  StateDict carrier;
  carrier.set_int("message.kind", 1);
  carrier.set_int("w/policy.steps", 99);  // replaced in place by the inner entry
  carrier.append_prefixed(inner, "w/");
  EXPECT_EQ(carrier.names(),
            (std::vector<std::string>{"message.kind", "w/policy.steps", "w/policy.w", "w/policy.lr",
                                      "w/policy.name"}));
  const std::vector<uint8_t> bytes = nn::encode_state_dict(carrier);
  const StateDict back =
      nn::decode_state_dict(bytes.data(), bytes.size(), "carrier").extract_prefixed("w/");
  EXPECT_EQ(back.names(),
            (std::vector<std::string>{"policy.steps", "policy.w", "policy.lr", "policy.name"}));
  EXPECT_EQ(back.get_int("policy.steps"), -7);
  EXPECT_EQ(back.tensor("policy.w").to_vector(), (std::vector<float>{1.5f, -0.0f, 3.0f, 4.0f}));
  EXPECT_TRUE(std::signbit(back.get_float("policy.lr")));
  EXPECT_EQ(back.get_string("policy.name"), std::string("a\0b", 3));
  EXPECT_EQ(back.source(), "carrier");  // errors still name where the bytes came from
  EXPECT_EQ(carrier.extract_prefixed("none/").size(), 0u);
}

TEST(StateDict, OverwritingReplacesValueInPlace) {
  StateDict d;
  d.set_int("a", 1);
  d.set_int("b", 2);
  d.set_float("a", 3.0);  // another kind is fine too
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.get_float("a"), 3.0);
  EXPECT_THROW(d.get_int("a"), phantom::FormatError);
  d.set_tensor("b", Tensor::scalar(1.0f));
  d.set_tensor("b", Tensor::from_vector({1, 2}, Shape{2}));
  EXPECT_EQ(d.tensor("b").shape(), Shape{2});
}

TEST(StateDict, StoresACopyOfTheTensor) {
  Tensor t = Tensor::from_vector({1, 2, 3}, Shape{3});
  StateDict d;
  d.set_tensor("t", t);
  t.data()[0] = 100.0f;
  EXPECT_EQ(d.tensor("t").to_vector(), (std::vector<float>{1, 2, 3}));
  EXPECT_THROW(d.set_tensor("undefined", Tensor()), phantom::ValueError);
}

TEST(StateDict, AccessorErrorsNameEntryKindAndSource) {
  StateDict d = small_dict();
  std::string msg = error_message<phantom::FormatError>([&] { d.tensor("missing"); });
  EXPECT_CONTAINS(msg, "'missing'");
  EXPECT_CONTAINS(msg, "a tensor");
  EXPECT_CONTAINS(msg, "in memory");
  msg = error_message<phantom::FormatError>([&] { d.get_int("lr"); });
  EXPECT_CONTAINS(msg, "'lr' is a float, expected an int");
  msg = error_message<phantom::FormatError>([&] { d.get_float("w"); });
  EXPECT_CONTAINS(msg, "'w' is a tensor, expected a float");
  msg = error_message<phantom::FormatError>([&] { d.get_string("step"); });
  EXPECT_CONTAINS(msg, "'step' is an int, expected a string");
  msg = error_message<phantom::FormatError>([&] { d.tensor("name"); });
  EXPECT_CONTAINS(msg, "'name' is a string, expected a tensor");

  std::vector<uint8_t> bytes = nn::encode_state_dict(d);
  StateDict l = nn::decode_state_dict(bytes.data(), bytes.size(), "ckpt/model.sd");
  msg = error_message<phantom::FormatError>([&] { l.get_int("nope"); });
  EXPECT_CONTAINS(msg, "'ckpt/model.sd'");
  EXPECT_CONTAINS(msg, "'nope'");
  EXPECT_CONTAINS(msg, "an int");
}

TEST(StateDict, CopyIntoChecksShapes) {
  StateDict d = small_dict();
  Tensor dst = Tensor::zeros(Shape{2, 3});
  d.copy_into("w", dst);
  EXPECT_EQ(dst.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));

  Tensor wrong = Tensor::zeros(Shape{3, 2});  // same numel, different shape
  std::string msg = error_message<phantom::ShapeError>([&] { d.copy_into("w", wrong); });
  EXPECT_CONTAINS(msg, "'w'");
  EXPECT_CONTAINS(msg, "[2, 3]");
  EXPECT_CONTAINS(msg, "[3, 2]");
  EXPECT_EQ(wrong.to_vector(), std::vector<float>(6, 0.0f));
  EXPECT_THROW(d.copy_into("lr", dst), phantom::FormatError);
  EXPECT_THROW(d.copy_into("missing", dst), phantom::FormatError);
}

TEST(StateDict, RngEntriesAreValidated) {
  StateDict d;
  d.set_rng("r", nn::Rng(1, 2));
  EXPECT_TRUE(d.contains("r.seed"));
  EXPECT_TRUE(d.contains("r.used"));
  nn::Rng r = d.get_rng("r");
  EXPECT_EQ(r.state().seed, 1u);
  EXPECT_EQ(r.state().stream, 2u);
  // u64 fields with the top bit set survive (stored as int64 with the same bits).
  nn::Rng big(~0ull, 1ull << 63);
  big.next_u32();
  d.set_rng("big", big);
  EXPECT_EQ(d.get_rng("big").state().seed, ~0ull);
  EXPECT_EQ(d.get_rng("big").state().stream, 1ull << 63);
  EXPECT_EQ(d.get_rng("big").state().used, 1u);

  d.set_int("r.used", 7);
  EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { d.get_rng("r"); }), "r.used");
  d.set_int("r.used", 4);
  d.set_int("r.buffer2", -1);
  EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { d.get_rng("r"); }), "r.buffer2");
  EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { d.get_rng("nope"); }), "nope.seed");
}

// ---- Packed arrays --------------------------------------------------------------------------

// Arrays of doubles and int64s go through a real file encoding unchanged, bit for bit.
TEST(StateDict, PackedArraysRoundTripBitForBit) {
  const std::vector<uint64_t> double_patterns = {
      0x7ff8000000000123ull,  // quiet NaN with a payload
      0x7ff0000000000001ull,  // signalling NaN
      0xfff8000000000abcull,  // negative NaN with a payload
      0x8000000000000000ull,  // -0.0
      0x7ff0000000000000ull,  // +inf
      0xfff0000000000000ull,  // -inf
      0x0000000000000001ull,  // smallest denormal
      0x7fefffffffffffffull,  // largest finite
      double_bits(0.1)};
  std::vector<double> doubles;
  for (uint64_t b : double_patterns) doubles.push_back(double_from_bits(b));
  const std::vector<int64_t> ints = {std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max(),
                                     0,
                                     -1,
                                     1,
                                     0x0102030405060708ll};
  StateDict d;
  d.set_doubles("d", doubles);
  d.set_int64s("i", ints);
  d.set_doubles("d_empty", {});
  d.set_int64s("i_empty", {});
  d.set_doubles("neg_zero", {-0.0});

  const std::vector<uint8_t> bytes = nn::encode_state_dict(d);
  const StateDict l = nn::decode_state_dict(bytes.data(), bytes.size(), "arrays.sd");
  const std::vector<double> loaded = l.get_doubles("d");
  ASSERT_EQ(loaded.size(), double_patterns.size());
  for (std::size_t k = 0; k < loaded.size(); ++k) {
    EXPECT_EQ(double_bits(loaded[k]), double_patterns[k]) << k;
  }
  EXPECT_EQ(l.get_int64s("i"), ints);
  EXPECT_TRUE(l.get_doubles("d_empty").empty());
  EXPECT_TRUE(l.get_int64s("i_empty").empty());
  ASSERT_EQ(l.get_doubles("neg_zero").size(), 1u);
  EXPECT_TRUE(std::signbit(l.get_doubles("neg_zero")[0]));
  EXPECT_EQ(l.get_doubles("neg_zero")[0], 0.0);
  // Both kinds are 8-byte words, so each reads the other's entries as the same bits.
  EXPECT_EQ(static_cast<uint64_t>(l.get_int64s("d")[3]), 0x8000000000000000ull);
}

// The arrays are ordinary string entries of 8 little-endian bytes per value: the file is the
// one a writer packing the bytes by hand would produce, so older files read back unchanged.
TEST(StateDict, PackedArraysAreLittleEndianStrings) {
  StateDict packed;
  packed.set_doubles("d", {1.5, -2.0});
  packed.set_int64s("i", {0x0102030405060708ll, -2});
  const std::string d_bytes(
      "\x00\x00\x00\x00\x00\x00\xf8\x3f"
      "\x00\x00\x00\x00\x00\x00\x00\xc0",
      16);
  const std::string i_bytes(
      "\x08\x07\x06\x05\x04\x03\x02\x01"
      "\xfe\xff\xff\xff\xff\xff\xff\xff",
      16);
  EXPECT_EQ(packed.get_string("d"), d_bytes);
  EXPECT_EQ(packed.get_string("i"), i_bytes);

  StateDict by_hand;
  by_hand.set_string("d", d_bytes);
  by_hand.set_string("i", i_bytes);
  EXPECT_EQ(nn::encode_state_dict(packed), nn::encode_state_dict(by_hand));
  EXPECT_EQ(by_hand.get_doubles("d"), (std::vector<double>{1.5, -2.0}));
  EXPECT_EQ(by_hand.get_int64s("i"), (std::vector<int64_t>{0x0102030405060708ll, -2}));

  // Replacing an entry keeps its place, like the other setters.
  packed.set_doubles("d", {});
  EXPECT_EQ(packed.names(), (std::vector<std::string>{"d", "i"}));
  EXPECT_EQ(packed.get_string("d"), "");
}

TEST(StateDict, PackedArrayErrorsNameEntryAndSource) {
  StateDict d = small_dict();
  d.set_string("odd", std::string(13, '\0'));
  d.set_string("short", "1234567");
  const std::vector<uint8_t> bytes = nn::encode_state_dict(d);
  const StateDict l = nn::decode_state_dict(bytes.data(), bytes.size(), "ckpt/arrays.sd");

  std::string msg = error_message<phantom::FormatError>([&] { l.get_doubles("nope"); });
  EXPECT_CONTAINS(msg, "state dict 'ckpt/arrays.sd': no entry 'nope'");
  EXPECT_CONTAINS(msg, "expected a string of packed doubles");
  msg = error_message<phantom::FormatError>([&] { l.get_int64s("nope"); });
  EXPECT_CONTAINS(msg, "no entry 'nope' (expected a string of packed int64s)");

  msg = error_message<phantom::FormatError>([&] { l.get_doubles("step"); });
  EXPECT_CONTAINS(msg, "'ckpt/arrays.sd'");
  EXPECT_CONTAINS(msg, "'step' is an int, expected a string of packed doubles");
  msg = error_message<phantom::FormatError>([&] { l.get_int64s("w"); });
  EXPECT_CONTAINS(msg, "'w' is a tensor, expected a string of packed int64s");

  msg = error_message<phantom::FormatError>([&] { l.get_doubles("odd"); });
  EXPECT_CONTAINS(msg, "state dict 'ckpt/arrays.sd': entry 'odd' holds 13 bytes");
  EXPECT_CONTAINS(msg, "a multiple of 8");
  msg = error_message<phantom::FormatError>([&] { l.get_int64s("short"); });
  EXPECT_CONTAINS(msg, "entry 'short' holds 7 bytes, expected a string of packed int64s");
  EXPECT_CONTAINS(msg, "a multiple of 8");

  // Built in memory, the message says so instead of naming a file.
  msg = error_message<phantom::FormatError>([&] { d.get_doubles("odd"); });
  EXPECT_CONTAINS(msg, "state dict (in memory): entry 'odd' holds 13 bytes");
}

// ---- Damaged and foreign files ------------------------------------------------------------

TEST_F(SerializeFile, TruncationAtEveryOffsetIsDetected) {
  const std::string good = path("good.sd");
  nn::save_state_dict(small_dict(), good);
  const std::vector<uint8_t> full = read_file(good);
  ASSERT_GT(full.size(), 36u);
  const std::string cut = path("cut.sd");
  for (std::size_t n = 0; n < full.size(); ++n) {
    write_file(cut, std::vector<uint8_t>(full.begin(), full.begin() + n));
    const std::string msg = load_error(cut);
    EXPECT_CONTAINS(msg, cut);
    EXPECT_CONTAINS(msg, n < 36 ? "shorter than the 36-byte header" : "truncated");
  }
}

TEST_F(SerializeFile, EverySingleByteFlipIsDetected) {
  const std::string good = path("good.sd");
  nn::save_state_dict(small_dict(), good);
  const std::vector<uint8_t> full = read_file(good);
  const std::string bad = path("bad.sd");
  for (std::size_t offset = 0; offset < full.size(); ++offset) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::vector<uint8_t> flipped = full;
      flipped[offset] ^= mask;
      write_file(bad, flipped);
      EXPECT_CONTAINS(load_error(bad), bad) << "offset " << offset;
    }
  }
}

TEST_F(SerializeFile, CorruptedDataReportsChecksum) {
  const std::string file = path("c.sd");
  nn::save_state_dict(small_dict(), file);
  std::vector<uint8_t> bytes = read_file(file);
  bytes[bytes.size() - 10] ^= 0x10;  // inside the last entry
  write_file(file, bytes);
  const std::string msg = load_error(file);
  EXPECT_CONTAINS(msg, "corrupted: checksum");
  EXPECT_CONTAINS(msg, file);
}

TEST_F(SerializeFile, WrongMagicIsNotAStateDict) {
  const std::string text = path("notes.txt");
  const std::string content = "hello, this is a text file and certainly not a state dict\n";
  write_file(text, std::vector<uint8_t>(content.begin(), content.end()));
  std::string msg = load_error(text);
  EXPECT_CONTAINS(msg, "not a phantom state dict");
  EXPECT_CONTAINS(msg, text);
  // Even a two-byte foreign file is recognised as foreign rather than as short.
  write_file(text, {'P', 'K'});
  EXPECT_CONTAINS(load_error(text), "not a phantom state dict");
}

TEST_F(SerializeFile, FutureVersionIsUnsupported) {
  std::vector<uint8_t> bytes = nn::encode_state_dict(small_dict());
  bytes[8] = 2;  // version field
  reseal(bytes);
  const std::string file = path("future.sd");
  write_file(file, bytes);
  const std::string msg = load_error(file);
  EXPECT_CONTAINS(msg, "unsupported format version 2");
  EXPECT_CONTAINS(msg, "version 1");
  EXPECT_CONTAINS(msg, file);
}

TEST_F(SerializeFile, TrailingBytesAreRejected) {
  std::vector<uint8_t> bytes = nn::encode_state_dict(small_dict());
  bytes.push_back('x');
  bytes.push_back('y');
  bytes.push_back('z');
  const std::string file = path("trailing.sd");
  write_file(file, bytes);
  const std::string msg = load_error(file);
  EXPECT_CONTAINS(msg, "3 trailing bytes");
  EXPECT_CONTAINS(msg, file);
}

TEST_F(SerializeFile, MissingOrUnreadableFile) {
  const std::string missing = path("does_not_exist.sd");
  std::string msg = load_error(missing);
  EXPECT_CONTAINS(msg, missing);
  EXPECT_CONTAINS(msg, "cannot open");
  EXPECT_CONTAINS(msg, std::strerror(ENOENT));
  // A directory opens on Linux but cannot be read.
  msg = load_error(dir_.string());
  EXPECT_CONTAINS(msg, dir_.string());
}

// Malformed contents behind a valid checksum: every length is bounded, every field checked.
TEST(SerializeMalformed, BadFieldsInsideAChecksummedFile) {
  {
    RawFile f(1, 1, /*flags=*/1);
    f.int_entry("a", 1);
    EXPECT_CONTAINS(decode_error(f.sealed()), "unsupported flags");
  }
  for (uint32_t kind : {0u, 5u, 0xFFFFFFFFu}) {
    RawFile f(1);
    f.entry(kind, "k");
    f.u64(0);
    const std::string msg = decode_error(f.sealed());
    EXPECT_CONTAINS(msg, "'crafted.sd'");
    EXPECT_CONTAINS(msg, "unknown entry kind " + std::to_string(kind));
    EXPECT_CONTAINS(msg, "'k'");
  }
  {
    RawFile f(2);
    f.int_entry("dup", 1);
    f.int_entry("dup", 2);
    EXPECT_CONTAINS(decode_error(f.sealed()), "duplicate entry 'dup'");
  }
  {
    RawFile f(1);
    f.entry(1, "t");
    f.u32(5);
    for (int i = 0; i < 5; ++i) f.u64(1);
    f.u32(0);
    EXPECT_CONTAINS(decode_error(f.sealed()), "rank 5 exceeds the maximum of 4");
  }
  {
    RawFile f(1);
    f.entry(1, "t");
    f.u32(2);
    f.u64(2);
    f.u64(static_cast<uint64_t>(-3));
    EXPECT_CONTAINS(decode_error(f.sealed()), "dimension 1 is negative (-3)");
  }
  {
    // 2^30 x 2^30 floats would be a 4 EiB allocation: refused from the remaining byte count.
    RawFile f(1);
    f.entry(1, "huge");
    f.u32(2);
    f.u64(1ull << 30);
    f.u64(1ull << 30);
    f.u32(0);
    EXPECT_CONTAINS(decode_error(f.sealed()), "needs 1152921504606846976 float32 values");
  }
  {
    RawFile f(1);
    f.entry(1, "overflow");
    f.u32(3);
    f.u64(0);
    f.u64(1ull << 40);
    f.u64(1ull << 40);
    EXPECT_CONTAINS(decode_error(f.sealed()), "overflows int64");
  }
  {
    RawFile f(1);
    f.entry(1, "t");
    f.u32(1);
    f.u64(3);
    f.u32(0);  // only 1 of 3 values
    EXPECT_CONTAINS(decode_error(f.sealed()), "needs 3 float32 values but only 4 bytes remain");
  }
  {
    RawFile f(1);
    f.u32(3);
    f.u32(1000);  // name length beyond the payload
    f.raw("abc");
    EXPECT_CONTAINS(decode_error(f.sealed()), "entry 0: name needs 1000 bytes");
  }
  {
    RawFile f(1);
    f.entry(4, "s");
    f.u64(1ull << 63);  // string length: must not be allocated
    f.raw("abc");
    EXPECT_CONTAINS(decode_error(f.sealed()), "needs 9223372036854775808 bytes but only 3");
  }
  {
    RawFile f(1);
    f.entry(2, "f");
    f.u32(0);  // half a double
    EXPECT_CONTAINS(decode_error(f.sealed()), "float64 value needs 8 bytes");
  }
  {
    RawFile f(3);  // announces more entries than there are
    f.int_entry("a", 1);
    f.int_entry("b", 2);
    EXPECT_CONTAINS(decode_error(f.sealed()), "entry 2: kind needs 4 bytes but only 0 remain");
  }
  {
    RawFile f(~0ull);  // an absurd count runs out of payload, it is never reserved
    f.int_entry("a", 1);
    EXPECT_CONTAINS(decode_error(f.sealed()), "entry 1: kind needs 4 bytes");
  }
  {
    RawFile f(1);  // fewer entries announced than present
    f.int_entry("a", 1);
    f.int_entry("b", 2);
    EXPECT_CONTAINS(decode_error(f.sealed()), "17 unparsed bytes after the 1 entries");
  }
  {
    // A payload length larger than the file: truncation, reported before the checksum.
    std::vector<uint8_t> bytes = RawFile(0).sealed();
    bytes[24] = 100;
    EXPECT_CONTAINS(decode_error(bytes), "truncated: the header announces 100 bytes");
    bytes[31] = 0xFF;  // ~2^63: must not overflow any size arithmetic
    EXPECT_CONTAINS(decode_error(bytes), "truncated");
  }
  // The valid minimal files decode: no entries, and an empty tensor with a huge zero-sized dim.
  EXPECT_EQ(nn::decode_state_dict(RawFile(0).sealed().data(), 36, "x").size(), 0u);
  {
    RawFile f(1);
    f.entry(1, "e");
    f.u32(2);
    f.u64(0);
    f.u64(1ull << 40);
    std::vector<uint8_t> bytes = f.sealed();
    StateDict d = nn::decode_state_dict(bytes.data(), bytes.size(), "x");
    EXPECT_EQ(d.tensor("e").numel(), 0);
  }
}

// ---- Atomic save ----------------------------------------------------------------------------

TEST_F(SerializeFile, SaveLeavesNoTempFileAndReplacesOldFile) {
  const std::string file = path("model.sd");
  nn::save_state_dict(small_dict(), file);
  EXPECT_TRUE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".tmp"));

  StateDict other;
  other.set_int("only", 1);
  nn::save_state_dict(other, file);  // replaces the existing file
  EXPECT_FALSE(fs::exists(file + ".tmp"));
  EXPECT_EQ(nn::load_state_dict(file).names(), std::vector<std::string>{"only"});
}

TEST_F(SerializeFile, SaveIntoMissingDirectoryNamesThePath) {
  const std::string file = path("no/such/dir/model.sd");
  const std::string msg =
      error_message<phantom::Error>([&] { nn::save_state_dict(small_dict(), file); });
  EXPECT_CONTAINS(msg, file);
  EXPECT_CONTAINS(msg, std::strerror(ENOENT));
}

// A write that fails part-way (here: the temp file is a link to /dev/full, so the data cannot be
// flushed) must leave the existing good file untouched and remove the temp file.
TEST_F(SerializeFile, FailedWriteKeepsTheExistingFile) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  const std::string file = path("model.sd");
  nn::save_state_dict(small_dict(), file);
  const std::vector<uint8_t> before = read_file(file);

  fs::create_symlink("/dev/full", file + ".tmp");
  StateDict other;
  other.set_int("new", 1);
  const std::string msg = error_message<phantom::Error>([&] { nn::save_state_dict(other, file); });
  EXPECT_CONTAINS(msg, file);
  EXPECT_CONTAINS(msg, std::strerror(ENOSPC));
  EXPECT_EQ(read_file(file), before);
  EXPECT_FALSE(fs::exists(fs::symlink_status(file + ".tmp")));
  EXPECT_EQ(nn::load_state_dict(file).names(), small_dict().names());
}

// When the temp file cannot even be created, nothing is removed (it is not ours) and the existing
// file survives.
TEST_F(SerializeFile, UncreatableTempFileKeepsTheExistingFile) {
  const std::string file = path("model.sd");
  nn::save_state_dict(small_dict(), file);
  fs::create_directory(file + ".tmp");
  const std::string msg =
      error_message<phantom::Error>([&] { nn::save_state_dict(StateDict(), file); });
  EXPECT_CONTAINS(msg, file + ".tmp");
  EXPECT_TRUE(fs::is_directory(file + ".tmp"));
  EXPECT_EQ(nn::load_state_dict(file).names(), small_dict().names());
}

// A failing rename (the target is a non-empty directory) removes the temp file.
TEST_F(SerializeFile, FailedRenameRemovesTheTempFile) {
  const std::string target = path("occupied");
  fs::create_directories(fs::path(target) / "child");
  const std::string msg =
      error_message<phantom::Error>([&] { nn::save_state_dict(small_dict(), target); });
  EXPECT_CONTAINS(msg, target);
  EXPECT_CONTAINS(msg, "rename");
  EXPECT_FALSE(fs::exists(target + ".tmp"));
  EXPECT_TRUE(fs::is_directory(fs::path(target) / "child"));
}

}  // namespace

namespace {

// Hostile but checksum-valid files: a file written by the project's own writer, with one size
// field changed and the checksum recomputed, must give a FormatError, never std::bad_alloc or
// std::length_error.
TEST(SerializeHostile, ATensorOf2To62ElementsIsAFormatError) {
  StateDict d;
  d.set_tensor("w", Tensor::from_vector({1.0f}, Shape{1}));
  std::vector<uint8_t> bytes = nn::encode_state_dict(d);
  // The entry: kind (4), name length (4), "w" (1), rank (4), then dimension 0 (8 bytes).
  const std::size_t dim = 32 + 4 + 4 + 1 + 4;
  const uint64_t huge = uint64_t{1} << 62;
  for (int i = 0; i < 8; ++i) bytes[dim + i] = static_cast<uint8_t>(huge >> (8 * i));
  reseal(bytes);
  const std::string msg = decode_error(bytes);
  EXPECT_CONTAINS(msg, "state dict 'crafted.sd'");
  EXPECT_CONTAINS(msg,
                  "entry 0 ('w'): shape [4611686018427387904] needs 4611686018427387904 "
                  "float32 values but only 4 bytes remain in the payload");
}

// get_count: the one check for counts and sizes read from a file.
TEST(SerializeHostile, GetCountBoundsCounts) {
  StateDict d;
  d.set_int("n", 7);
  d.set_int("negative", -1);
  d.set_int("huge", int64_t{1} << 62);
  EXPECT_EQ(d.get_count("n"), 7);
  EXPECT_EQ(d.get_count("n", 7), 7);
  EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { d.get_count("n", 6); }),
                  "entry 'n' = 7 is not a count from 0 to 6");
  EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { d.get_count("negative"); }),
                  "entry 'negative' = -1 is not a count from 0 to 9007199254740992");
  EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { d.get_count("huge"); }),
                  "entry 'huge' = 4611686018427387904 is not a count");
  d.set_int("model.count", int64_t{1} << 62);
  std::vector<Tensor> none;
  EXPECT_THROW(nn::get_tensors(d, "model", none), phantom::FormatError);
}

}  // namespace
