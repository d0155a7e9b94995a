// Whole-file reads and temp-file-plus-rename writes.
#include "analysis/text_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

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

}  // namespace phantom
