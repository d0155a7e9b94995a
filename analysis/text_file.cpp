// Whole-file reads, temp-file-plus-rename writes and partial files.
#include "analysis/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "nn/atomic_file.hpp"
#include "nn/error.hpp"

namespace phantom {

namespace {

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

// The C library need not set errno on every failure.
int errno_or_eio() {
  return errno != 0 ? errno : EIO;
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

// Several processes (say, two seeds of one experiment started together) may update the same
// LATEST file at once: each writes through a temporary of its own.
void write_text_atomic(const std::string& path, std::string_view text) {
  nn::write_file_atomic(path, text, nn::unique_temporary_path(path));
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
  // On disk before the rename, as for write_text_atomic.
  const int err = nn::flush_sync_close(file_.release());
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
