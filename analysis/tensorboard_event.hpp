// The bytes of a TensorBoard event file: TFRecord framing around protobuf-encoded Events.
//
// An event file is a sequence of records, each framed so a reader can find its end and check it:
//
//   uint64 length | uint32 masked CRC-32C of those 8 bytes | payload | uint32 masked CRC of payload
//
// all little-endian (analysis/crc32c.hpp for the masking). The length's own CRC lets a reader
// reject a corrupted length before trusting it to skip ahead.
//
// Each payload is one `Event` message in protobuf's wire format. Rather than depend on the
// protobuf library, this file encodes by hand exactly the fields a scalar needs. Protobuf writes
// a message as a list of fields, each a key (field number * 8 + wire type) followed by the value:
// wire type 0 is a varint (7 bits per byte, low group first, high bit set on all but the last),
// 1 eight little-endian bytes, 2 a varint length then that many bytes (strings and nested
// messages), 5 four little-endian bytes. The fields used:
//
//   Event          1 wall_time (double, seconds since the Unix epoch)   2 step (int64, varint)
//                  3 file_version (string)                              5 summary (Summary)
//                  7 session_log (SessionLog)
//   Summary        1 value (Summary.Value, repeated)
//   Summary.Value  1 tag (string)                                       2 simple_value (float)
//   SessionLog     1 status (enum, varint: START = 1)
//
// Proto3 leaves out a field holding its default value, so step 0 is not written; simple_value
// belongs to a `oneof`, which is always written, so 0.0 is. A negative step (never written by
// the trainer) would be a ten-byte varint of its two's complement.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace phantom {

/// What the first record of every event file says (TensorBoard checks the "brain.Event:" prefix).
inline constexpr std::string_view kTensorBoardFileVersion = "brain.Event:2";

/// The Event that opens a file: wall time and file_version, no step.
std::string encode_file_version_event(double wall_time);

/// An Event holding one scalar: wall time, step (left out when 0), and a Summary with one
/// Value{tag, simple_value}. The tag is written as given (clean_tensorboard_tag is the caller's).
std::string encode_scalar_event(double wall_time, int64_t step, std::string_view tag, float value);

/// An Event marking a restart: wall time, step (left out when 0) and SessionLog{status START}.
/// Reading a directory's files in order, TensorBoard then drops the events it read before with
/// a step >= `step`: those a crashed run wrote after the checkpoint the restart resumes from.
std::string encode_session_start_event(double wall_time, int64_t step);

/// Appends `payload` to `out` framed as one TFRecord (length, its masked CRC, payload, the
/// payload's masked CRC).
void append_tfrecord(std::string& out, std::string_view payload);

/// Bytes before a record's payload (length and its CRC) and after it (the payload's CRC).
inline constexpr std::size_t kTfRecordHeaderBytes = 12;
inline constexpr std::size_t kTfRecordFooterBytes = 4;

}  // namespace phantom
