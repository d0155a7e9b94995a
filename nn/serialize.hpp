// State dicts: named tensors and scalars, saved in a versioned, checksummed binary file.
//
// Files are written to "<path>.tmp" and renamed over <path>, so a crash never leaves a half-written
// file under the real name. Loading checks magic, version, sizes and a CRC32 of the contents; a
// truncated, corrupted or mismatched file throws phantom::FormatError naming the file and problem.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

class StateDict {
 public:
  /// Stores a copy of the tensor's values and shape under `name` (replacing any entry).
  void set_tensor(const std::string& name, const Tensor& t);
  void set_float(const std::string& name, double value);
  void set_int(const std::string& name, int64_t value);
  void set_string(const std::string& name, const std::string& value);
  /// Stores the full generator state under name + ".seed", ".stream", ... entries.
  void set_rng(const std::string& name, const Rng& rng);

  bool contains(const std::string& name) const;
  /// Entry names in insertion order.
  std::vector<std::string> names() const;

  /// Accessors throw phantom::FormatError naming the entry (and the source file, if loaded from
  /// one) when it is missing or of another kind.
  const Tensor& tensor(const std::string& name) const;
  double get_float(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  Rng get_rng(const std::string& name) const;
  /// Copies the stored tensor into `dst`; throws phantom::ShapeError if the shapes differ.
  void copy_into(const std::string& name, Tensor& dst) const;

  /// The file this dict was loaded from ("" if built in memory); used in error messages.
  const std::string& source() const { return source_; }

 private:
  friend StateDict load_state_dict(const std::string& path);
  struct Entry;
  std::vector<std::string> order_;
  std::map<std::string, std::size_t> index_;
  std::vector<Entry*> entries_;  // owned; see serialize.cpp
  std::string source_;

 public:
  StateDict();
  ~StateDict();
  StateDict(const StateDict&);
  StateDict& operator=(const StateDict&);
  StateDict(StateDict&&) noexcept;
  StateDict& operator=(StateDict&&) noexcept;
};

/// Writes atomically (temp file + rename). Throws phantom::Error naming the path on I/O failure.
void save_state_dict(const StateDict& dict, const std::string& path);
/// Throws phantom::FormatError naming the file and the problem.
StateDict load_state_dict(const std::string& path);

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), continuing from `crc`.
uint32_t crc32(const void* data, std::size_t size, uint32_t crc = 0);

}  // namespace nn
