// JsonWriter: file names, opening without reuse, whole-line appends and rolling.
#include "trainers/offline/json_writer.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "analysis/utc_stamp.hpp"
#include "nn/error.hpp"
#include "trainers/offline/batch_json.hpp"

namespace phantom {

namespace fs = std::filesystem;

JsonWriter::JsonWriter(std::string dir, int worker_index, int64_t max_file_size)
    : dir_(std::move(dir)), worker_index_(worker_index), max_file_size_(max_file_size) {
  if (max_file_size_ < 1) {
    throw ConfigError("JsonWriter: max_file_size = " + std::to_string(max_file_size_) +
                      ", expected >= 1 (bytes)");
  }
  if (dir_.empty()) throw ConfigError("offline output: the output directory is empty");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    throw ConfigError("offline output: cannot create directory '" + dir_ + "': " + ec.message());
  }
}

JsonWriter::~JsonWriter() {
  close();
}

void JsonWriter::close() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

void JsonWriter::open_next() {
  close();
  path_ =
      (fs::path(dir_) /
       ("output-" + utc_stamp(std::chrono::system_clock::now(), "%Y-%m-%d_%H-%M-%S") + "_worker-" +
        std::to_string(worker_index_) + "_" + std::to_string(next_index_) + ".json"))
          .string();
  ++next_index_;
  // "x": fail rather than append to (or truncate) a file someone else wrote.
  file_ = std::fopen(path_.c_str(), "wbx");
  if (!file_) {
    const int err = errno;
    throw Error("offline output: cannot create '" + path_ + "': " + std::strerror(err) +
                (err == EEXIST
                     ? " (another writer with worker index " + std::to_string(worker_index_) +
                           " started a file in this directory in the same second)"
                     : std::string()));
  }
  bytes_ = 0;
}

void JsonWriter::write(const MultiAgentBatch& batch,
                       const std::set<std::string>& without_probabilities) {
  if (!file_ || bytes_ >= max_file_size_) open_next();
  line_.clear();
  append_batch_json(line_, batch, without_probabilities);
  line_ += '\n';
  // One fwrite of the whole line, then a flush: a crash leaves at most this line partial.
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size() ||
      std::fflush(file_) != 0) {
    const int err = errno;
    throw Error("offline output: cannot write '" + path_ + "': " + std::strerror(err));
  }
  bytes_ += static_cast<int64_t>(line_.size());
}

}  // namespace phantom
