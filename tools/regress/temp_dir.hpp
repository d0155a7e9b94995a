// A temporary directory that removes itself: where a workload lets the trainer or the rollout
// runner write its files before they are hashed.
#pragma once

#include <string>

namespace regress {

/// Creates a fresh directory under $TMPDIR (or /tmp); the destructor removes it and everything
/// in it. Throws phantom::Error naming the path if it cannot be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace regress
