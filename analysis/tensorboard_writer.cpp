// TensorBoardWriter: file naming, tag cleaning and whole-record writes.
#include "analysis/tensorboard_writer.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "analysis/tensorboard_event.hpp"
#include "nn/error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>  // gethostname
#define PHANTOM_HAVE_GETHOSTNAME 1
#endif

namespace phantom {

namespace {

bool kept_in_tag(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '/' || c == '.' || c >= 0x80;
}

}  // namespace

std::string clean_tensorboard_tag(std::string_view tag) {
  std::string cleaned;
  cleaned.reserve(tag.size());
  for (const char c : tag) cleaned += kept_in_tag(static_cast<unsigned char>(c)) ? c : '_';
  cleaned.erase(0, cleaned.find_first_not_of('/'));  // npos (all slashes): erases everything
  return cleaned;
}

double unix_wall_time() {
  // system_clock counts from the Unix epoch (guaranteed since C++20, true of every C++17 library).
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
#ifdef PHANTOM_HAVE_GETHOSTNAME
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') return name;
#endif
  return "localhost";
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir, WallClock clock, std::string host)
    : clock_(clock ? std::move(clock) : WallClock(unix_wall_time)) {
  if (host.empty()) host = host_name();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw Error("TensorBoard directory '" + dir + "': cannot create it: " + ec.message());
  }
  const double now = clock_();
  if (!std::isfinite(now) || now < 0.0 || now >= 1e15) {
    throw ValueError("TensorBoard directory '" + dir +
                     "': the wall clock gave an invalid time (expected seconds since 1970)");
  }
  const std::string base = (std::filesystem::path(dir) /
                            ("events.out.tfevents." +
                             std::to_string(static_cast<int64_t>(std::floor(now))) + "." + host))
                               .string();
  // Never reuse a file: two writers opened within the same second (a run and its resumption)
  // each get their own, and TensorBoard reads both ("x", exclusive creation, fails if it exists).
  for (int n = 0; !file_; ++n) {
    path_ = n == 0 ? base : base + "." + std::to_string(n);
    errno = 0;
    file_.reset(std::fopen(path_.c_str(), "wbx"));
    if (!file_ && (errno != EEXIST || n == 1000)) {
      throw Error("TensorBoard event file '" + path_ +
                  "': cannot create it: " + std::strerror(errno != 0 ? errno : EIO));
    }
  }
  // Unbuffered: each record reaches the system as one write (see write_record).
  std::setvbuf(file_.get(), nullptr, _IONBF, 0);
  write_record(encode_file_version_event(now));
}

void TensorBoardWriter::add_scalar(std::string_view tag, double value, int64_t step) {
  const std::string cleaned = clean_tensorboard_tag(tag);
  if (cleaned.empty()) {
    throw ValueError("TensorBoard event file '" + path_ + "': tag '" + std::string(tag) +
                     "' is empty once cleaned; a tag needs a character other than '/'");
  }
  write_record(encode_scalar_event(clock_(), step, cleaned, static_cast<float>(value)));
}

void TensorBoardWriter::add_session_start(int64_t step) {
  write_record(encode_session_start_event(clock_(), step));
}

void TensorBoardWriter::write_record(std::string_view payload) {
  if (!file_) throw Error("TensorBoard event file '" + path_ + "': the writer was moved from");
  if (write_failed_) {
    throw Error("TensorBoard event file '" + path_ +
                "': an earlier write failed and may have left part of a record; start a new "
                "writer (a new file)");
  }
  record_.clear();
  append_tfrecord(record_, payload);
  errno = 0;  // the C library need not set errno on every failure, hence the EIO fallback
  const bool failed =
      std::fwrite(record_.data(), 1, record_.size(), file_.get()) != record_.size() ||
      std::fflush(file_.get()) != 0;
  if (failed) {
    write_failed_ = true;
    throw Error("TensorBoard event file '" + path_ +
                "': cannot write a record: " + std::strerror(errno != 0 ? errno : EIO));
  }
  ++records_;
}

}  // namespace phantom
