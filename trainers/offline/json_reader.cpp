// JsonReader: file picks, the line loop, and the bad and torn lines.
#include "trainers/offline/json_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "nn/error.hpp"
#include "trainers/offline/batch_json.hpp"

namespace phantom {

namespace {

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

JsonReader::JsonReader(std::vector<std::string> files, nn::Rng rng, JsonReaderOptions options)
    : files_(std::move(files)), rng_(std::move(rng)), options_(std::move(options)) {
  if (files_.empty()) throw ConfigError("JsonReader: no files to read");
  if (options_.max_bad_lines < 0) {
    throw ConfigError("JsonReader: max_bad_lines = " + std::to_string(options_.max_bad_lines) +
                      ", expected >= 0");
  }
  std::sort(files_.begin(), files_.end());
}

void JsonReader::warn(const std::string& what) {
  if (options_.on_warning) options_.on_warning(what);
}

void JsonReader::open_next_file() {
  in_.close();
  in_.clear();
  path_ = files_[static_cast<std::size_t>(rng_.uniform_int(static_cast<int64_t>(files_.size())))];
  in_.open(path_, std::ios::binary);
  if (!in_) {
    const int err = errno;
    throw Error("offline input: cannot open '" + path_ + "': " + std::strerror(err));
  }
  line_number_ = 0;
  offset_ = 0;
}

MultiAgentBatch& JsonReader::next() {
  int bad = 0;
  // Every line passed over counts towards the limit, torn ones too: a file holding nothing but a
  // torn line would otherwise be read forever.
  auto count_bad = [&](const std::string& where, const std::string& why) {
    if (++bad > options_.max_bad_lines) {
      throw FormatError("offline input: " + where + ": " + why + " (" + std::to_string(bad) +
                        " bad lines in a row, more than the " +
                        std::to_string(options_.max_bad_lines) + " allowed)");
    }
  };
  auto skip = [&](const std::string& where, const std::string& why) {
    ++skipped_;
    warn("offline input: skipped " + where + ": " + why);
    count_bad(where, why);
  };
  while (true) {
    if (!in_.is_open()) open_next_file();
    if (!std::getline(in_, line_)) {  // the file is exhausted
      const bool had_lines = line_number_ > 0;
      in_.close();
      offset_ = -1;
      if (!had_lines) skip("'" + path_ + "'", "the file holds no line");
      continue;
    }
    ++line_number_;
    offset_ += static_cast<int64_t>(line_.size()) + (in_.eof() ? 0 : 1);
    // getline stopped at the end of the file, not at a newline: the writer's last line torn by a
    // crash, or a file written by hand without a final newline.
    const bool unterminated = in_.eof();
    const std::string where = "'" + path_ + "', line " + std::to_string(line_number_);
    if (blank(line_)) {
      if (unterminated) {  // spaces after the last newline: nothing was torn
        count_bad(where, "only spaces after the last newline");
        continue;
      }
      skip(where, "blank line");
      continue;
    }
    try {
      batch_ = parse_batch_json(line_);
      return batch_;
    } catch (const FormatError& e) {
      if (unterminated) {
        ++torn_;
        const std::string why = std::string(
                                    "the last line has no newline and does not parse (torn by an "
                                    "interrupted write?): ") +
                                e.what();
        warn("offline input: skipped " + where + ": " + why);
        count_bad(where, why);
        continue;
      }
      skip(where, e.what());
    }
  }
}

void JsonReader::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_rng(prefix + ".rng", rng_);
  out.set_string(prefix + ".file", offset_ >= 0 ? path_ : std::string());
  out.set_int(prefix + ".offset", offset_);
  out.set_int(prefix + ".line", line_number_);
  out.set_int(prefix + ".skipped", skipped_);
  out.set_int(prefix + ".torn", torn_);
}

void JsonReader::load(const nn::StateDict& in, const std::string& prefix) {
  rng_ = in.get_rng(prefix + ".rng");
  const std::string file = in.get_string(prefix + ".file");
  skipped_ = in.get_count(prefix + ".skipped");
  torn_ = in.get_count(prefix + ".torn");
  in_.close();
  in_.clear();
  offset_ = -1;
  if (file.empty()) return;  // between files: the next call picks one
  if (!std::binary_search(files_.begin(), files_.end(), file)) {
    throw FormatError("offline input: the checkpoint entry '" + prefix + ".file' names '" + file +
                      "', which is not one of the reader's files");
  }
  path_ = file;
  in_.open(path_, std::ios::binary);
  if (!in_) {
    const int err = errno;
    throw Error("offline input: cannot open '" + path_ + "': " + std::strerror(err));
  }
  offset_ = in.get_count(prefix + ".offset");
  line_number_ = in.get_count(prefix + ".line");
  in_.seekg(offset_);
  if (!in_) {
    throw FormatError("offline input: cannot continue '" + path_ + "' at byte " +
                      std::to_string(offset_) + " (the file is shorter than when it was read)");
  }
}

}  // namespace phantom
