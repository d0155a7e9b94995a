// Atomic file replacement: temporary file, flush, sync, rename.
#include "nn/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include "nn/error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>  // fsync, fileno, getpid
#define PHANTOM_HAVE_POSIX_FILES 1
#endif

namespace nn {

namespace {

// The C library need not set errno on every failure.
int errno_or_eio() {
  return errno != 0 ? errno : EIO;
}

[[noreturn]] void write_error(const std::string& path, const std::string& what, int err) {
  throw phantom::Error("cannot write '" + path + "': " + what + ": " + std::strerror(err));
}

}  // namespace

int flush_sync_close(std::FILE* file) {
  int err = 0;
  errno = 0;
  if (std::fflush(file) != 0) err = errno_or_eio();
#ifdef PHANTOM_HAVE_POSIX_FILES
  // On disk before any rename, or a crash soon after could leave an empty file under the real
  // name. (EINVAL: this file cannot be synced, e.g. a device; nothing to do.)
  if (err == 0 && ::fsync(::fileno(file)) != 0 && errno != EINVAL) err = errno_or_eio();
#endif
  if (std::fclose(file) != 0 && err == 0) err = errno_or_eio();
  return err;
}

std::string unique_temporary_path(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
#ifdef PHANTOM_HAVE_POSIX_FILES
  const long pid = static_cast<long>(::getpid());
#else
  const long pid = 0;
#endif
  return path + ".tmp." + std::to_string(pid) + "." + std::to_string(counter++);
}

void write_file_atomic(const std::string& path, std::string_view bytes,
                       const std::string& temporary) {
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (f == nullptr) write_error(path, "cannot create '" + temporary + "'", errno);

  // Every step is checked: a full disk may show only at fflush or fclose, and an incomplete file
  // must never be renamed over a good one.
  int err = 0;
  errno = 0;
  if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) err = errno_or_eio();
  const int finish = flush_sync_close(f);
  if (err == 0) err = finish;
  if (err != 0) {
    std::remove(temporary.c_str());
    write_error(path, "cannot write '" + temporary + "'", err);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(temporary.c_str());
    write_error(path, "cannot rename '" + temporary + "' over it", err);
  }
}

}  // namespace nn
