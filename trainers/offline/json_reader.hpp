// JsonReader: an endless stream of the batches in experience files (JSON lines, batch_json.hpp).
//
// As RLlib's JsonReader: the reader opens a file picked uniformly at random among its files, reads
// it line by line, and when it is exhausted picks the next one uniformly at random again (the
// same file may come twice in a row), forever. The picks draw from the reader's own nn::Rng, and
// the files are kept sorted, so the sequence of batches is a function of the seed and the files.
//
// Bad lines. A blank line, or one that is not a batch record, is skipped; skipping more than
// `max_bad_lines` in a row while looking for one batch is a FormatError naming the file, the line
// and what was wrong with it (a file of garbage is not silently read as nothing). Files that
// hold no line at all count as bad lines too, so that a set of empty files fails instead of
// looping.
//
// Torn lines. The writer (json_writer.hpp) appends whole lines, each ending in a newline, and
// flushes each one, so a crash mid-write leaves at most a last line without its newline. Such a
// last line is read if it parses (a file written by hand may lack its final newline) and
// otherwise skipped and counted apart from the bad lines (torn_lines(), skipped_lines()); every
// skip is reported to the warning callback, if one is set, with the file and line. Towards the
// limit of bad lines in a row, a torn line counts like any other (a file holding nothing but a
// torn line must not be read forever).
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "trainers/offline/input_reader.hpp"

namespace phantom {

/// Settings of a JsonReader.
struct JsonReaderOptions {
  /// Bad lines (blank, not a batch, or a file with no line) skipped in a row before next()
  /// gives up with a FormatError (>= 0). RLlib tries 100 times.
  int max_bad_lines = 100;
  /// Called with a sentence for every line skipped (file, line, reason); null: nothing is
  /// said, but the counters still count.
  std::function<void(const std::string&)> on_warning;
};

/// An endless stream of the batches in `files` (see the top of this file).
class JsonReader final : public InputReader {
 public:
  /// Reads `files` (at least one; sorted here), picking files with `rng`. Throws ConfigError if
  /// `files` is empty or max_bad_lines < 0. Files are opened only when picked.
  JsonReader(std::vector<std::string> files, nn::Rng rng, JsonReaderOptions options = {});

  /// The next batch (valid until the next call). Throws FormatError naming the file and line
  /// after more than max_bad_lines bad lines in a row, and phantom::Error naming a file that
  /// cannot be opened.
  MultiAgentBatch& next() override;
  /// The generator, the file being read with its byte offset and line number, and the counters.
  void save(nn::StateDict& out, const std::string& prefix) const override;
  /// Reopens the saved file at the saved offset; FormatError if it is not one of files().
  void load(const nn::StateDict& in, const std::string& prefix) override;

  const std::vector<std::string>& files() const { return files_; }
  /// Blank or unreadable lines (and files with no line) skipped so far, torn ones apart.
  int64_t skipped_lines() const { return skipped_; }
  /// Last lines without their newline that did not parse (torn by a crash), skipped so far.
  int64_t torn_lines() const { return torn_; }

 private:
  void open_next_file();
  void warn(const std::string& what);

  std::vector<std::string> files_;
  nn::Rng rng_;
  JsonReaderOptions options_;
  std::ifstream in_;
  int64_t offset_ = -1;  // byte offset of the next line in path_; -1: no file open
  std::string path_;     // the file being read ("" before the first)
  int64_t line_number_ = 0;
  std::string line_;
  MultiAgentBatch batch_;
  int64_t skipped_ = 0, torn_ = 0;
};

}  // namespace phantom
