// Digest: everything one regression workload produced, as a list of named output hashes.
//
// A workload feeds each thing it produced to a Digest under a name that says where it came from:
// one entry per tensor or state-dict entry ("checkpoint/policy.shop.actor.0.weight"), per CSV
// row ("metrics.csv:row 12") or per batch column. Each entry is the FNV-1a 64 of that output's
// exact bytes (fnv1a.hpp). The workload's checksum is the FNV-1a 64 of the list itself (each name,
// a NUL, its hash as 8 little-endian bytes, in order), so one number pins everything, and when it
// changes, comparing the lists names the first output that differs.
//
// Wall-clock values are not results: a CSV column given in `drop` (wall_seconds) and a state
// entry given in `skip` (trainer.wall_seconds) are left out, and nothing else a workload hashes
// depends on time.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "nn/tensor.hpp"

namespace regress {

/// One named output and the hash of its bytes.
struct Output {
  std::string name;
  uint64_t hash = 0;
};

class Digest {
 public:
  /// Records an output whose hash the caller computed.
  void add(std::string name, uint64_t hash);
  /// A tensor: its rank and dimensions (8 bytes each), then its values' IEEE-754 bits.
  void add_tensor(std::string name, const nn::Tensor& t);
  /// `n` floats' bits.
  void add_floats(std::string name, const float* values, std::size_t n);
  /// Every entry of `dict` except those named in `skip`, in the dict's order, each as
  /// "<prefix>/<entry name>": tensors as add_tensor, numbers as their 8 bytes, strings as
  /// their bytes (each also hashes its kind, so an int 1 and a float 1 differ).
  void add_state_dict(const std::string& prefix, const nn::StateDict& dict,
                      const std::set<std::string>& skip = {});
  /// A CSV file, as its header and each data row ("<name>:header", "<name>:row <n>", n from 1),
  /// without the columns named in `drop`: the remaining cells' text joined by commas. Cell
  /// text is compared as written, so this pins number formatting too.
  void add_csv(const std::string& name, const std::string& path,
               const std::set<std::string>& drop = {});
  /// A text file's exact bytes, line by line ("<name>:line <n>", from 1), then the whole file
  /// ("<name>:bytes"; the line hashes alone would miss a missing final line break). Lines
  /// starting with one of `skip_prefixes` are left out of both (they are numbered all the same).
  void add_text_file(const std::string& name, const std::string& path,
                     const std::vector<std::string>& skip_prefixes = {});

  const std::vector<Output>& outputs() const { return outputs_; }
  /// The FNV-1a 64 of every output's name and hash, in order (see the top of this file).
  uint64_t checksum() const;

 private:
  std::vector<Output> outputs_;
};

/// A hash as 16 lowercase hex digits.
std::string hex(uint64_t hash);

}  // namespace regress
