// The message encoding of mpi/message.hpp: round trips, the header's bytes, and every refusal
// (each names the source and what was wrong). No MPI is involved.
#include "mpi/message.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "nn/error.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::mpi::decode_message;
using phantom::mpi::encode_message;
using phantom::mpi::MessageKind;

nn::StateDict sample_body() {
  nn::StateDict body;
  body.set_int("rank", 2);
  body.set_string("error", std::string("with a NUL\0inside", 17));
  body.set_doubles("values", {-0.0, std::numeric_limits<double>::infinity(), 1e-300});
  return body;
}

TEST(MpiMessage, RoundTripKeepsKindSequenceAndBody) {
  for (uint32_t k = 1; k <= static_cast<uint32_t>(phantom::mpi::kLastMessageKind); ++k) {
    const auto kind = static_cast<MessageKind>(k);
    EXPECT_EQ(phantom::mpi::kind_name(kind).find("kind "), std::string::npos)
        << "kind " << k << " has no name";
    std::vector<uint8_t> bytes = encode_message(kind, 0x0123456789abcdefull, sample_body());
    phantom::mpi::Message m = decode_message(bytes.data(), bytes.size(), "test");
    EXPECT_EQ(m.kind, kind) << phantom::mpi::kind_name(kind);
    EXPECT_EQ(m.sequence, 0x0123456789abcdefull);
    EXPECT_EQ(m.body.get_int("rank"), 2);
    EXPECT_EQ(m.body.get_string("error"), std::string("with a NUL\0inside", 17));
    std::vector<double> values = m.body.get_doubles("values");
    ASSERT_EQ(values.size(), 3u);
    EXPECT_TRUE(std::signbit(values[0]));
    EXPECT_EQ(values[1], std::numeric_limits<double>::infinity());
  }
}

// The header's layout is part of the format: magic, then little-endian version, kind, sequence
// and body length.
TEST(MpiMessage, HeaderBytesAreTheDocumentedLayout) {
  std::vector<uint8_t> bytes = encode_message(MessageKind::stop, 258, {});
  ASSERT_GE(bytes.size(), phantom::mpi::kMessageHeaderBytes);
  EXPECT_EQ(std::memcmp(bytes.data(), "PHNTMPI\0", 8), 0);
  EXPECT_EQ(bytes[8], 1);   // version 1 ...
  EXPECT_EQ(bytes[9], 0);   // ... little-endian
  EXPECT_EQ(bytes[12], 4);  // kind: stop
  EXPECT_EQ(bytes[16], 2);  // sequence 258 = 0x0102
  EXPECT_EQ(bytes[17], 1);
  const uint64_t body = bytes.size() - phantom::mpi::kMessageHeaderBytes;
  EXPECT_EQ(bytes[24], body & 0xff);
  EXPECT_EQ(bytes[25], body >> 8);
  EXPECT_EQ(bytes.size() - phantom::mpi::kMessageHeaderBytes,
            nn::encode_state_dict(nn::StateDict()).size());
}

TEST(MpiMessage, RefusesBytesThatAreNotAMessageOfThisVersion) {
  const std::vector<uint8_t> good = encode_message(MessageKind::failure, 7, sample_body());
  auto refusal = [](std::vector<uint8_t> bytes) {
    return test_support::message_of<phantom::FormatError>(
        [&] { decode_message(bytes.data(), bytes.size(), "message 7 from rank 2"); });
  };
  std::string m = refusal({good.begin(), good.begin() + 20});
  EXPECT_HAS(m, "message 7 from rank 2: 20 bytes");
  std::vector<uint8_t> bad = good;
  bad[0] = 'X';
  EXPECT_HAS(refusal(bad), "not a phantom MPI message");
  bad = good;
  bad[8] = 2;
  EXPECT_HAS(refusal(bad), "message version 2, expected 1");
  bad = good;
  bad[12] = 20;
  EXPECT_HAS(refusal(bad), "unknown message kind 20, expected 1 .. 19");
  bad = good;
  bad.pop_back();
  EXPECT_HAS(refusal(bad), "bytes, but");
  bad = good;
  bad[40] ^= 0x10;  // inside the body: the state dict's checksum catches it
  EXPECT_HAS(refusal(bad), "message 7 from rank 2");
}

}  // namespace
