// TensorBoardWriter: scalars in TensorBoard's event-file format, with no dependency.
//
//   phantom::TensorBoardWriter tb("runs/ppo");        // runs/ppo/events.out.tfevents.<s>.<host>
//   tb.add_scalar("rewards/shop", 812.5, 40000);     // tag, value, step
//
// TensorBoard (and tensorboardX's readers) load every file whose name contains "tfevents" in a
// directory, in name order, and merge them into one run; so a writer never appends to an old
// file: each writer starts a new one, named as tensorboardX names it (the Unix time in seconds
// when it was opened, then the host name; ".1", ".2"... is added if that name is taken). The
// file starts with the file-version event, then holds one event per add_scalar. The bytes are
// described in analysis/tensorboard_event.hpp and docs/FORMATS.md.
//
// Each event is framed, handed to the system in one write and flushed before add_scalar
// returns, so a process killed at any moment leaves a file whose complete records all read back
// (only a torn last record can be lost, and a reader sees by its length that it is torn).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace phantom {

/// `tag` as tensorboardX cleans it: every character other than an ASCII letter, digit, '_',
/// '-', '/' or '.' becomes '_', then leading '/'s are removed ("loss rate%" -> "loss_rate_",
/// "/x/y" -> "x/y"). Bytes of UTF-8 multi-byte characters are kept (Python's \w keeps letters
/// of any script; this keeps every non-ASCII character).
std::string clean_tensorboard_tag(std::string_view tag);

/// Seconds since the Unix epoch, from the system clock (the default wall time of events).
double unix_wall_time();

/// The machine's host name, or "localhost" if the system does not say.
std::string host_name();

/// Writes one TensorBoard event file. Not copyable (it owns the open file); movable.
class TensorBoardWriter {
 public:
  /// Returns each event's wall time, in seconds since the Unix epoch.
  using WallClock = std::function<double()>;

  /// Creates `dir` (and its parents) if needed and starts a new event file in it, named
  /// `events.out.tfevents.<whole seconds of the clock's first reading>.<host>`, with the
  /// file-version event. An empty `clock` is unix_wall_time, an empty `host` is host_name().
  /// Throws phantom::Error naming the directory or file and the system's reason if it cannot
  /// create them.
  explicit TensorBoardWriter(const std::string& dir, WallClock clock = {}, std::string host = {});
  TensorBoardWriter(TensorBoardWriter&&) = default;
  TensorBoardWriter& operator=(TensorBoardWriter&&) = default;
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  /// Writes Event{wall time, step, Summary{Value{clean_tensorboard_tag(tag), float(value)}}}
  /// (TensorBoard's scalars are 32-bit floats). Throws phantom::ValueError if the cleaned tag is
  /// empty, phantom::Error naming the file if writing or flushing fails; after such a failure
  /// every later call throws too (the file may end in part of a record).
  void add_scalar(std::string_view tag, double value, int64_t step);

  /// Writes a SessionLog START event at `step` (encode_session_start_event): TensorBoard then
  /// forgets the events of earlier files in the directory with a step >= `step`. A resumed run
  /// calls it first, so that the rows a crashed run wrote after its checkpoint are not shown
  /// beside the resumed run's. Throws as add_scalar does.
  void add_session_start(int64_t step);

  /// The event file's path.
  const std::string& path() const { return path_; }
  /// Records written, the file-version event included.
  std::size_t records() const { return records_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  // Frames `payload` as one record, hands it to the system in one write and flushes it.
  void write_record(std::string_view payload);

  std::string path_;
  WallClock clock_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::size_t records_ = 0;
  bool write_failed_ = false;
  std::string record_;  // reused framing buffer
};

}  // namespace phantom
