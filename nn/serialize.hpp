// State dicts: named tensors and scalars, saved in a versioned, checksummed binary file.
//
// Files are written to "<path>.tmp" and renamed over <path>, so a crash never leaves a half-written
// file under the real name. Loading checks magic, version, sizes and a CRC32 of the contents; a
// truncated, corrupted or mismatched file throws phantom::FormatError naming the file and problem.
// The byte layout is described at the top of nn/serialize.cpp and in docs/FORMATS.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

class StateDict {
 public:
  /// Stores a copy of the tensor's values and shape under `name` (replacing any entry). Throws
  /// phantom::ValueError if the tensor is undefined.
  void set_tensor(const std::string& name, const Tensor& t);
  void set_float(const std::string& name, double value);
  void set_int(const std::string& name, int64_t value);
  /// Any bytes, including NUL.
  void set_string(const std::string& name, const std::string& value);
  /// Stores the full generator state under name + ".seed", ".stream", ".block", ".buffer0" ..
  /// ".buffer3" and ".used" (int entries), so get_rng resumes the exact sequence.
  void set_rng(const std::string& name, const Rng& rng);
  /// Stores an array of doubles as one string entry: 8 bytes per value, its IEEE 754 bits
  /// little-endian whatever the host, so NaN payloads, -0 and infinities come back exactly.
  /// Read it with get_doubles.
  void set_doubles(const std::string& name, const std::vector<double>& values);
  /// Stores an array of int64s as one string entry: 8 bytes per value, two's complement
  /// little-endian whatever the host. Read it with get_int64s.
  void set_int64s(const std::string& name, const std::vector<int64_t>& values);

  // Replacing an entry keeps its original position; a new name goes at the end.

  bool contains(const std::string& name) const;
  /// Copies every entry of `other`, in its order, as set_* would (an entry of the same name is
  /// replaced in place). A dict assembled from parts (e.g. worker states received from other
  /// processes) then encodes to the same bytes as one written whole.
  void append(const StateDict& other);
  /// Adds every entry of `other`, in its order, under the name `prefix` + its name (an entry of
  /// the same name is replaced in place): one dict can carry another without encoding it twice.
  /// The tensors are shared with `other`, not copied (stored entries are treated as immutable).
  void append_prefixed(const StateDict& other, const std::string& prefix);
  /// The entries whose names start with `prefix`, in order, named without it (the inverse of
  /// append_prefixed); tensors shared. Its source() is this dict's.
  StateDict extract_prefixed(const std::string& prefix) const;
  /// Number of entries.
  std::size_t size() const { return entries_.size(); }
  /// Entry names in insertion order.
  std::vector<std::string> names() const;

  /// Accessors throw phantom::FormatError naming the entry (and the source file, if loaded from
  /// one) when it is missing or of another kind.
  const Tensor& tensor(const std::string& name) const;
  double get_float(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  /// The default bound of get_count: 2^53, beyond any count a run reaches (steps, episodes,
  /// rows) and small enough that adding one, or converting to double, stays exact.
  static constexpr int64_t kMaxCount = int64_t{1} << 53;
  /// An int entry that holds a count, size or counter read from a file: throws
  /// phantom::FormatError naming the entry, the source and the bounds unless 0 <= value <= max.
  /// Every such number a loader reads goes through here before it sizes a loop or an allocation.
  int64_t get_count(const std::string& name, int64_t max = kMaxCount) const;
  const std::string& get_string(const std::string& name) const;
  Rng get_rng(const std::string& name) const;
  /// The values stored by set_doubles. Also throws FormatError (naming the entry and source) if
  /// the string's length is not a multiple of 8.
  std::vector<double> get_doubles(const std::string& name) const;
  /// The values stored by set_int64s; throws FormatError as get_doubles does.
  std::vector<int64_t> get_int64s(const std::string& name) const;
  /// Copies the stored tensor into `dst`; throws phantom::ShapeError if the shapes differ.
  void copy_into(const std::string& name, Tensor& dst) const;

  /// The file this dict was loaded from ("" if built in memory); used in error messages.
  const std::string& source() const { return source_; }

  // Copies share the stored tensors' memory (Tensor is a handle); stored entries are treated as
  // immutable, so this is only visible if you write through tensor(name).data().

 private:
  friend std::vector<uint8_t> encode_state_dict(const StateDict& dict);
  friend StateDict decode_state_dict(const void* data, std::size_t size, const std::string& source);

  // One value; the variant index is the kind (tensor, float64, int64, string).
  using Value = std::variant<Tensor, double, int64_t, std::string>;
  struct Entry {
    std::string name;
    Value value;
  };

  void set(const std::string& name, Value value);
  // The entry `name` holding an alternative T; throws FormatError otherwise, saying it expected
  // `expected` (by default the kind's own name, e.g. "a string").
  template <class T>
  const T& get(const std::string& name, const char* expected = nullptr) const;
  // The 8-byte little-endian words of a packed array entry (set_doubles / set_int64s), as T.
  template <class T>
  std::vector<T> get_packed(const std::string& name, const char* expected) const;

  std::vector<Entry> entries_;                // insertion order
  std::map<std::string, std::size_t> index_;  // name -> position in entries_
  std::string source_;
};

/// Stores a list of tensors (e.g. a model's parameters) as "<prefix>.0", "<prefix>.1", ... plus
/// "<prefix>.count".
void put_tensors(StateDict& dict, const std::string& prefix, const std::vector<Tensor>& tensors);
/// Copies "<prefix>.i" into tensors[i] (shapes must match); throws FormatError if the stored count
/// differs from tensors.size().
void get_tensors(const StateDict& dict, const std::string& prefix, std::vector<Tensor>& tensors);

/// Writes atomically through "<path>.tmp" (nn/atomic_file.hpp). Throws phantom::Error naming the
/// path on I/O failure. At most one writer per path at a time (they would share "<path>.tmp").
void save_state_dict(const StateDict& dict, const std::string& path);
/// Throws phantom::FormatError naming the file and the problem.
StateDict load_state_dict(const std::string& path);

/// The file contents save_state_dict writes, as bytes in memory.
std::vector<uint8_t> encode_state_dict(const StateDict& dict);
/// Parses bytes in the file format; `source` names them in error messages (e.g. a path). Throws
/// phantom::FormatError exactly as load_state_dict does.
StateDict decode_state_dict(const void* data, std::size_t size, const std::string& source);

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), continuing from `crc`:
/// crc32(b, nb, crc32(a, na)) == crc32(a followed by b). crc32("123456789", 9) == 0xCBF43926.
uint32_t crc32(const void* data, std::size_t size, uint32_t crc = 0);

}  // namespace nn
