// Exception types shared by every layer of phantom-cpp.
//
// All errors derive from phantom::Error, so a caller can catch everything the library throws in
// one place. Each message names what was wrong (the file, tensor shape, agent, policy...) and
// what was expected; errors are never used for normal control flow in hot loops.
#pragma once

#include <stdexcept>
#include <string>

namespace phantom {

/// Base of every exception thrown by phantom-cpp.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// A tensor had the wrong shape, rank or size for an operation.
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// A value was outside the range an operation accepts (bad index, bad argument).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// A file (checkpoint, state dict) was truncated, corrupted, of another version or kind.
class FormatError : public Error {
 public:
  using Error::Error;
};

/// A configuration was invalid (bad option, unknown name, inconsistent settings).
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Training produced a value that is not finite (NaN or infinity): a reward or observation as
/// it entered a batch, a loss, a gradient norm or a weight after an update. The message names
/// the policy, the iteration and where the value came from.
class TrainingError : public Error {
 public:
  /// `skippable`: whether skipping the batch leaves the policy as it was (true for a value
  /// found before the update; false once an update has spoiled the weights).
  explicit TrainingError(const std::string& what, bool skippable = true)
      : Error(what), skippable_(skippable) {}
  bool skippable() const { return skippable_; }

 private:
  bool skippable_;
};

}  // namespace phantom
