// Whole-file reads, temp-file-plus-rename writes and partial files.
#include "analysis/text_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "nn/error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>  // fsync, fileno, getpid
#define PHANTOM_HAVE_POSIX_FILES 1
#endif

namespace phantom {

namespace {

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

// The C library need not set errno on every failure.
int errno_or_eio() {
  return errno != 0 ? errno : EIO;
}

// A temporary name no other writer uses: two processes (say, two seeds of one experiment
// started together) may update the same LATEST file at once.
std::string temporary_name(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
#ifdef PHANTOM_HAVE_POSIX_FILES
  const long pid = static_cast<long>(::getpid());
#else
  const long pid = 0;
#endif
  return path + ".tmp." + std::to_string(pid) + "." + std::to_string(counter++);
}

[[noreturn]] void write_error(const std::string& path, const std::string& what, int err) {
  throw Error("cannot write '" + path + "': " + what + ": " + std::strerror(err));
}

}  // namespace

std::string read_text_file(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw FormatError("cannot open '" + path + "': " + std::strerror(errno));
  std::string text;
  char chunk[1 << 14];
  std::size_t n;
  errno = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) text.append(chunk, n);
  if (std::ferror(file.get()) != 0) {
    throw FormatError("cannot read '" + path + "': " + std::strerror(errno_or_eio()));
  }
  return text;
}

void write_text_atomic(const std::string& path, std::string_view text) {
  const std::string tmp = temporary_name(path);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) write_error(path, "cannot create '" + tmp + "'", errno);

  // Every step is checked: a full disk may show only at fflush or fclose, and an incomplete
  // file must never be renamed over a good one.
  int err = 0;
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) err = errno_or_eio();
  if (err == 0 && std::fflush(f) != 0) err = errno_or_eio();
#ifdef PHANTOM_HAVE_POSIX_FILES
  // On disk before the rename, or a crash soon after could leave an empty file under the real
  // name. (EINVAL: this file cannot be synced; nothing to do.)
  if (err == 0 && ::fsync(::fileno(f)) != 0 && errno != EINVAL) err = errno_or_eio();
#endif
  if (std::fclose(f) != 0 && err == 0) err = errno_or_eio();
  if (err != 0) {
    std::remove(tmp.c_str());
    write_error(path, "cannot write '" + tmp + "'", err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    write_error(path, "cannot rename '" + tmp + "' over it", err);
  }
}

PartialFile::PartialFile(std::string path, std::string what)
    : path_(std::move(path)),
      partial_path_(path_ + ".partial"),
      label_(std::move(what) + " '" + path_ + "'") {
  file_.reset(std::fopen(partial_path_.c_str(), "wb"));
  if (!file_) {
    throw Error(label_ + ": cannot create '" + partial_path_ + "': " + std::strerror(errno));
  }
  // Unbuffered: each fwrite below reaches the system as one write of the whole text, instead of
  // being split at stdio buffer boundaries.
  std::setvbuf(file_.get(), nullptr, _IONBF, 0);
}

void PartialFile::append(std::string_view text) {
  if (!file_) throw Error(label_ + ": the file is closed");
  if (failed_) {
    throw Error(label_ + ": an earlier write failed and may have left part of its text in '" +
                partial_path_ + "'");
  }
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), file_.get()) != text.size() ||
      std::fflush(file_.get()) != 0) {
    failed_ = true;
    throw Error(label_ + ": cannot write '" + partial_path_ +
                "': " + std::strerror(errno_or_eio()));
  }
}

void PartialFile::close() {
  if (failed_) {
    file_.reset();
    throw Error(label_ + ": an earlier write or close failed; the file is left as '" +
                partial_path_ + "'");
  }
  if (!file_) return;
  // As in write_text_atomic: on disk before the rename, and every step checked.
  std::FILE* f = file_.release();
  int err = 0;
  errno = 0;
  if (std::fflush(f) != 0) err = errno_or_eio();
#ifdef PHANTOM_HAVE_POSIX_FILES
  if (err == 0 && ::fsync(::fileno(f)) != 0 && errno != EINVAL) err = errno_or_eio();
#endif
  if (std::fclose(f) != 0 && err == 0) err = errno_or_eio();
  // A failure leaves the file closed but not renamed: later calls must not report success.
  if (err != 0) {
    failed_ = true;
    throw Error(label_ + ": cannot finish '" + partial_path_ + "': " + std::strerror(err));
  }
  if (std::rename(partial_path_.c_str(), path_.c_str()) != 0) {
    failed_ = true;
    throw Error(label_ + ": cannot rename '" + partial_path_ + "' to it: " + std::strerror(errno));
  }
}

}  // namespace phantom
