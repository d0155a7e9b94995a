// State dict files: encoding, decoding with full validation, atomic save, and CRC-32.
//
// File layout, format version 1 (also in docs/FORMATS.md). Every integer is little-endian
// whatever the host; floats are stored as their IEEE 754 bit patterns, so NaN payloads, -0 and
// infinities survive a round trip exactly.
//
//   offset   size  field
//   0        8     magic "PHNTMSD\0"
//   8        4     u32 format version (1)
//   12       4     u32 flags (reserved, 0 in version 1)
//   16       8     u64 entry count
//   24       8     u64 payload length P: the number of bytes of entries that follow
//   32       P     the entries, in insertion order
//   32 + P   4     u32 CRC-32 of bytes [0, 32 + P)
//
// Each entry:
//   u32 kind            1 tensor, 2 float64, 3 int64, 4 string
//   u32 name length N,  then N bytes of name (unique within the file)
//   payload by kind:
//     tensor   u32 rank R (0..4), R x i64 dims (each >= 0), numel x f32 values (row-major)
//     float64  8 bytes (IEEE 754 binary64)
//     int64    i64 (two's complement)
//     string   u64 length L, then L bytes (any bytes, including NUL)
//
// Arrays stored with StateDict::set_doubles / set_int64s are plain string entries of 8
// little-endian bytes per value (IEEE 754 bits or two's complement), not a kind of their own.
//
// Why this shape: the magic and version come first so any other file, or a file from a future
// build, is recognised before anything else is trusted. The payload length lets the reader tell a
// truncated file from a corrupted one before parsing, and the CRC at the end covers every byte
// before it, so a flipped bit anywhere is reported as corruption instead of being parsed into a
// wrong model. Inside the payload every length is still bounded by the bytes that remain, so even
// a file with a valid checksum but malformed contents (a buggy or malicious writer) can neither
// make the reader run past the end nor allocate absurd amounts of memory.
#include "nn/serialize.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "nn/atomic_file.hpp"
#include "nn/error.hpp"

namespace nn {

namespace {

constexpr char kMagic[8] = {'P', 'H', 'N', 'T', 'M', 'S', 'D', '\0'};
constexpr uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 32;
constexpr std::size_t kCrcBytes = 4;

// The kind tag stored in the file is the index of the alternative in StateDict::Value plus one.
// Names carry their article for messages ("entry 'x' is a float, expected an int").
const char* const kKindNames[] = {"a tensor", "a float", "an int", "a string"};
constexpr uint32_t kNumKinds = 4;

template <class T>
constexpr std::size_t kind_index() {
  if constexpr (std::is_same_v<T, Tensor>) return 0;
  if constexpr (std::is_same_v<T, double>) return 1;
  if constexpr (std::is_same_v<T, int64_t>) return 2;
  if constexpr (std::is_same_v<T, std::string>) return 3;
}

// ---- CRC-32 ---------------------------------------------------------------------------------

// Tables built at compile time. Table 0 holds the CRC of every byte value: b shifted through
// the reflected polynomial eight times, one byte per lookup. Table k holds the effect of a byte
// followed by k zero bytes, so eight lookups into tables 7..0 advance the CRC by eight bytes at
// once ("slicing by 8"): the lookups are independent, where byte by byte each waits for the
// previous one. It matters for messages of megabytes between MPI ranks (mpi/message.hpp).
constexpr std::array<std::array<uint32_t, 256>, 8> make_crc_tables() {
  std::array<std::array<uint32_t, 256>, 8> tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    tables[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      const uint32_t previous = tables[k - 1][b];
      tables[k][b] = (previous >> 8) ^ tables[0][previous & 0xFFu];
    }
  }
  return tables;
}
constexpr std::array<std::array<uint32_t, 256>, 8> kCrcTables = make_crc_tables();

// ---- Little-endian encoding ---------------------------------------------------------------

uint64_t bits_of(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
uint32_t bits_of(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
// uint64 -> int64 keeping the bit pattern (a plain cast is implementation-defined before C++20).
int64_t to_signed(uint64_t u) {
  int64_t s;
  std::memcpy(&s, &u, sizeof s);
  return s;
}

// Whether this host stores numbers little-endian, as the format does: then a tensor's values are
// copied as they are, without assembling each from its bytes.
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
constexpr bool kLittleEndianHost = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
#else
constexpr bool kLittleEndianHost = false;
#endif

// Appends fixed-width little-endian fields to a byte buffer.
class Writer {
 public:
  // `capacity`: the bytes the caller will write, allocated once (a tensor's values would
  // otherwise grow the buffer, and copy everything written so far, again and again).
  explicit Writer(std::size_t capacity) { bytes_.reserve(capacity); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }  // well-defined: modulo 2^64
  void f64(double v) { u64(bits_of(v)); }
  void f32s(const float* v, std::size_t n) {
    if (kLittleEndianHost) {
      raw(v, 4 * n);
      return;
    }
    for (std::size_t i = 0; i < n; ++i) u32(bits_of(v[i]));
  }
  void raw(const void* p, std::size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  // Overwrites the u64 at `offset` (used for sizes known only at the end).
  void patch_u64(std::size_t offset, uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes_[offset + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  std::size_t size() const { return bytes_.size(); }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Every decoding error goes through here, so each message starts by naming the file.
[[noreturn]] void format_error(const std::string& source, const std::string& problem) {
  throw phantom::FormatError("state dict '" + source + "': " + problem);
}

// Reads fixed-width little-endian fields from [data, data + size), refusing to read past the end:
// each read first checks that its bytes remain and otherwise throws FormatError saying which
// field did not fit.
class Reader {
 public:
  Reader(const uint8_t* data, std::size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}

  std::size_t remaining() const { return size_ - pos_; }

  void need(uint64_t n, const std::string& what) const {
    if (n > remaining()) {
      format_error(source_, what + " needs " + std::to_string(n) + " bytes but only " +
                                std::to_string(remaining()) + " remain in the payload");
    }
  }
  uint32_t u32(const std::string& what) {
    need(4, what);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(data_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  uint64_t u64(const std::string& what) {
    need(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return v;
  }
  int64_t i64(const std::string& what) { return to_signed(u64(what)); }
  double f64(const std::string& what) {
    uint64_t b = u64(what);
    double v;
    std::memcpy(&v, &b, sizeof v);
    return v;
  }
  std::string bytes(uint64_t n, const std::string& what) {
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  // Reads n float32 values into out; the caller has checked need(4 * n).
  void f32s(float* out, std::size_t n) {
    if (kLittleEndianHost) {
      std::memcpy(out, data_ + pos_, 4 * n);
      pos_ += 4 * n;
      return;
    }
    for (std::size_t i = 0; i < n; ++i) {
      uint32_t b = 0;
      for (int k = 0; k < 4; ++k) b |= static_cast<uint32_t>(data_[pos_ + k]) << (8 * k);
      std::memcpy(&out[i], &b, sizeof b);
      pos_ += 4;
    }
  }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  const std::string& source_;
};

// Reads a tensor payload (rank, dims, values). `entry` names the entry for messages.
Tensor read_tensor(Reader& r, const std::string& source, const std::string& entry) {
  uint32_t rank = r.u32(entry + ": rank");
  if (rank > static_cast<uint32_t>(Shape::kMaxRank)) {
    format_error(source, entry + ": tensor rank " + std::to_string(rank) +
                             " exceeds the maximum of " + std::to_string(Shape::kMaxRank));
  }
  std::vector<int64_t> dims(rank);
  for (uint32_t d = 0; d < rank; ++d) {
    dims[d] = r.i64(entry + ": dimension " + std::to_string(d));
    if (dims[d] < 0) {
      format_error(source, entry + ": dimension " + std::to_string(d) + " is negative (" +
                               std::to_string(dims[d]) + ")");
    }
  }
  // The element count must be paid for by bytes actually present before anything is allocated.
  // The product of the non-zero dims must also fit in int64 (even when another dim is 0 and the
  // count is 0), so that Shape::numel cannot overflow whichever order it multiplies in.
  uint64_t product = 1;
  bool has_zero = false;
  for (int64_t d : dims) {
    if (d == 0) {
      has_zero = true;
    } else if (static_cast<uint64_t>(d) >
               static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / product) {
      format_error(source, entry + ": the dimensions' product overflows int64");
    } else {
      product *= static_cast<uint64_t>(d);
    }
  }
  const Shape shape(dims);
  const uint64_t numel = has_zero ? 0 : product;
  if (numel > r.remaining() / 4) {
    format_error(source, entry + ": shape " + shape.to_string() + " needs " +
                             std::to_string(numel) + " float32 values but only " +
                             std::to_string(r.remaining()) + " bytes remain in the payload");
  }
  Tensor t = Tensor::zeros(shape);
  if (numel > 0) r.f32s(t.data(), static_cast<std::size_t>(numel));
  return t;
}

}  // namespace

// ---- CRC-32 ---------------------------------------------------------------------------------

uint32_t crc32(const void* data, std::size_t size, uint32_t crc) {
  // The register holds the complement of the CRC; starting from ~crc lets a caller continue a
  // CRC over data split into pieces (the default crc = 0 gives the standard 0xFFFFFFFF start).
  const uint8_t* p = static_cast<const uint8_t*>(data);
  const auto& t = kCrcTables;
  uint32_t c = ~crc;
  for (; size >= 8; size -= 8, p += 8) {
    const uint32_t lo = c ^ (static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                             static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24);
    c = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
        t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
  }
  for (; size > 0; --size, ++p) c = t[0][(c ^ *p) & 0xFFu] ^ (c >> 8);
  return ~c;
}

// ---- StateDict ------------------------------------------------------------------------------

namespace {
// "state dict 'file': " or "state dict (in memory): ", the start of every accessor error.
std::string where(const std::string& source) {
  return source.empty() ? "state dict (in memory): " : "state dict '" + source + "': ";
}
}  // namespace

void StateDict::set(const std::string& name, Value value) {
  auto it = index_.find(name);
  if (it != index_.end()) {
    entries_[it->second].value = std::move(value);  // keeps its place in the order
    return;
  }
  index_.emplace(name, entries_.size());
  entries_.push_back(Entry{name, std::move(value)});
}

void StateDict::append(const StateDict& other) {
  for (const Entry& e : other.entries_) {
    // A tensor entry is deep-copied, as set_tensor stores one.
    if (const Tensor* t = std::get_if<Tensor>(&e.value)) {
      set_tensor(e.name, *t);
    } else {
      set(e.name, e.value);
    }
  }
}

void StateDict::append_prefixed(const StateDict& other, const std::string& prefix) {
  for (const Entry& e : other.entries_) set(prefix + e.name, e.value);
}

StateDict StateDict::extract_prefixed(const std::string& prefix) const {
  StateDict out;
  out.source_ = source_;
  for (const Entry& e : entries_) {
    if (e.name.compare(0, prefix.size(), prefix) == 0)
      out.set(e.name.substr(prefix.size()), e.value);
  }
  return out;
}

void StateDict::set_tensor(const std::string& name, const Tensor& t) {
  if (!t.defined()) {
    throw phantom::ValueError("StateDict::set_tensor('" + name + "'): the tensor is undefined");
  }
  // A deep copy, so later changes to `t` (e.g. an optimiser step) do not change the dict.
  set(name, Value(std::in_place_type<Tensor>, t.clone()));
}
void StateDict::set_float(const std::string& name, double value) {
  set(name, Value(std::in_place_type<double>, value));
}
void StateDict::set_int(const std::string& name, int64_t value) {
  set(name, Value(std::in_place_type<int64_t>, value));
}
void StateDict::set_string(const std::string& name, const std::string& value) {
  set(name, Value(std::in_place_type<std::string>, value));
}

void StateDict::set_rng(const std::string& name, const Rng& rng) {
  const Rng::State& s = rng.state();
  // The u64 fields are stored as int64 with the same bit pattern.
  set_int(name + ".seed", to_signed(s.seed));
  set_int(name + ".stream", to_signed(s.stream));
  set_int(name + ".block", to_signed(s.block));
  for (int i = 0; i < 4; ++i) set_int(name + ".buffer" + std::to_string(i), s.buffer[i]);
  set_int(name + ".used", s.used);
}

bool StateDict::contains(const std::string& name) const {
  return index_.count(name) != 0;
}

std::vector<std::string> StateDict::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

template <class T>
const T& StateDict::get(const std::string& name, const char* expected) const {
  if (expected == nullptr) expected = kKindNames[kind_index<T>()];
  auto it = index_.find(name);
  if (it == index_.end()) {
    throw phantom::FormatError(where(source_) + "no entry '" + name + "' (expected " + expected +
                               ")");
  }
  const Value& v = entries_[it->second].value;
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw phantom::FormatError(where(source_) + "entry '" + name + "' is " + kKindNames[v.index()] +
                             ", expected " + expected);
}

const Tensor& StateDict::tensor(const std::string& name) const {
  return get<Tensor>(name);
}
double StateDict::get_float(const std::string& name) const {
  return get<double>(name);
}
int64_t StateDict::get_int(const std::string& name) const {
  return get<int64_t>(name);
}
int64_t StateDict::get_count(const std::string& name, int64_t max) const {
  const int64_t value = get<int64_t>(name);
  if (value < 0 || value > max) {
    throw phantom::FormatError(where(source_) + "entry '" + name + "' = " + std::to_string(value) +
                               " is not a count from 0 to " + std::to_string(max));
  }
  return value;
}
const std::string& StateDict::get_string(const std::string& name) const {
  return get<std::string>(name);
}

Rng StateDict::get_rng(const std::string& name) const {
  Rng::State s;
  s.seed = static_cast<uint64_t>(get_int(name + ".seed"));
  s.stream = static_cast<uint64_t>(get_int(name + ".stream"));
  s.block = static_cast<uint64_t>(get_int(name + ".block"));
  for (int i = 0; i < 4; ++i) {
    const std::string entry = name + ".buffer" + std::to_string(i);
    int64_t word = get_int(entry);
    if (word < 0 || word > 0xFFFFFFFFll) {
      throw phantom::FormatError(where(source_) + "entry '" + entry +
                                 "' = " + std::to_string(word) + " is not a 32-bit word");
    }
    s.buffer[i] = static_cast<uint32_t>(word);
  }
  int64_t used = get_int(name + ".used");
  if (used < 0 || used > 4) {
    throw phantom::FormatError(where(source_) + "entry '" + name +
                               ".used' = " + std::to_string(used) + ", expected 0..4");
  }
  s.used = static_cast<uint32_t>(used);
  Rng rng;
  rng.set_state(s);
  return rng;
}

void StateDict::copy_into(const std::string& name, Tensor& dst) const {
  const Tensor& src = get<Tensor>(name);
  if (!dst.defined()) {
    throw phantom::ValueError(where(source_) + "copy_into('" + name +
                              "'): the destination tensor is undefined");
  }
  if (src.shape() != dst.shape()) {
    throw phantom::ShapeError(where(source_) + "entry '" + name + "' has shape " +
                              src.shape().to_string() + " but the destination has shape " +
                              dst.shape().to_string());
  }
  dst.copy_from(src);
}

// ---- Packed arrays --------------------------------------------------------------------------
//
// An array of doubles or int64s is one string entry of 8 bytes per value, each value's 64 bits
// little-endian (IEEE 754 bits for a double, two's complement for an int64). It needs no kind of
// its own in the file format, and reads back bit for bit on any host.

namespace {
// Both element types are exactly 64 bits whose pattern memcpy carries over unchanged.
template <class T>
std::string pack_words(const std::vector<T>& values) {
  static_assert(sizeof(T) == 8, "a packed value is 8 bytes");
  std::string bytes(values.size() * 8, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    uint64_t word;
    std::memcpy(&word, &values[i], 8);
    for (std::size_t b = 0; b < 8; ++b) {
      bytes[i * 8 + b] = static_cast<char>(static_cast<uint8_t>(word >> (8 * b)));
    }
  }
  return bytes;
}
}  // namespace

void StateDict::set_doubles(const std::string& name, const std::vector<double>& values) {
  set(name, Value(std::in_place_type<std::string>, pack_words(values)));
}
void StateDict::set_int64s(const std::string& name, const std::vector<int64_t>& values) {
  set(name, Value(std::in_place_type<std::string>, pack_words(values)));
}

template <class T>
std::vector<T> StateDict::get_packed(const std::string& name, const char* expected) const {
  const std::string& bytes = get<std::string>(name, expected);
  if (bytes.size() % 8 != 0) {
    throw phantom::FormatError(where(source_) + "entry '" + name + "' holds " +
                               std::to_string(bytes.size()) + " bytes, expected " + expected +
                               " (a multiple of 8 bytes)");
  }
  std::vector<T> values(bytes.size() / 8);
  for (std::size_t i = 0; i < values.size(); ++i) {
    uint64_t word = 0;
    for (std::size_t b = 0; b < 8; ++b) {
      word |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i * 8 + b])) << (8 * b);
    }
    std::memcpy(&values[i], &word, 8);
  }
  return values;
}

std::vector<double> StateDict::get_doubles(const std::string& name) const {
  return get_packed<double>(name, "a string of packed doubles");
}
std::vector<int64_t> StateDict::get_int64s(const std::string& name) const {
  return get_packed<int64_t>(name, "a string of packed int64s");
}

// ---- Encoding and decoding ------------------------------------------------------------------

std::vector<uint8_t> encode_state_dict(const StateDict& dict) {
  // The encoding's exact size first, so that the buffer is allocated once.
  std::size_t size = kHeaderBytes + kCrcBytes;
  for (const StateDict::Entry& e : dict.entries_) {
    size += 8 + e.name.size();  // kind, name length, name
    if (const Tensor* t = std::get_if<Tensor>(&e.value)) {
      size +=
          4 + 8 * static_cast<std::size_t>(t->rank()) + 4 * static_cast<std::size_t>(t->numel());
    } else if (const std::string* s = std::get_if<std::string>(&e.value)) {
      size += 8 + s->size();
    } else {
      size += 8;  // float64 or int64
    }
  }
  Writer w(size);
  w.raw(kMagic, sizeof kMagic);
  w.u32(kVersion);
  w.u32(0);  // flags
  w.u64(dict.entries_.size());
  w.u64(0);  // payload length, patched below
  for (const StateDict::Entry& e : dict.entries_) {
    w.u32(static_cast<uint32_t>(e.value.index() + 1));
    w.u32(static_cast<uint32_t>(e.name.size()));
    w.raw(e.name.data(), e.name.size());
    if (const Tensor* t = std::get_if<Tensor>(&e.value)) {
      w.u32(static_cast<uint32_t>(t->rank()));
      for (int d = 0; d < t->rank(); ++d) w.i64(t->dim(d));
      if (t->numel() > 0) w.f32s(t->data(), static_cast<std::size_t>(t->numel()));
    } else if (const double* f = std::get_if<double>(&e.value)) {
      w.f64(*f);
    } else if (const int64_t* i = std::get_if<int64_t>(&e.value)) {
      w.i64(*i);
    } else {
      const std::string& s = std::get<std::string>(e.value);
      w.u64(s.size());
      w.raw(s.data(), s.size());
    }
  }
  w.patch_u64(24, w.size() - kHeaderBytes);
  w.u32(crc32(w.bytes().data(), w.size()));
  return std::move(w.bytes());
}

StateDict decode_state_dict(const void* data, std::size_t size, const std::string& source) {
  const uint8_t* bytes = static_cast<const uint8_t*>(data);

  // 1. Magic, on however many bytes there are: any other file is named as such, not as "short".
  if (size > 0 && std::memcmp(bytes, kMagic, std::min(size, sizeof kMagic)) != 0) {
    format_error(source, "not a phantom state dict (wrong magic bytes)");
  }
  if (size < kHeaderBytes + kCrcBytes) {
    format_error(source, "file is " + std::to_string(size) + " bytes, shorter than the " +
                             std::to_string(kHeaderBytes + kCrcBytes) +
                             "-byte header and checksum (truncated)");
  }

  // 2. Header fields.
  Reader header(bytes + sizeof kMagic, kHeaderBytes - sizeof kMagic, source);
  const uint32_t version = header.u32("version");
  if (version != kVersion) {
    format_error(source, "unsupported format version " + std::to_string(version) +
                             " (this build reads version " + std::to_string(kVersion) + ")");
  }
  const uint32_t flags = header.u32("flags");
  if (flags != 0) {
    format_error(source,
                 "unsupported flags " + std::to_string(flags) + " (version 1 defines none)");
  }
  const uint64_t count = header.u64("entry count");
  const uint64_t payload = header.u64("payload length");

  // 3. Length: a shorter file was truncated. Checked before the CRC so the message says so.
  const std::size_t available = size - kHeaderBytes - kCrcBytes;
  if (payload > available) {
    format_error(source, "truncated: the header announces " + std::to_string(payload) +
                             " bytes of entries but only " + std::to_string(available) +
                             " follow it");
  }

  // 4. Checksum of everything before it. A corrupted length field usually lands here too.
  const std::size_t end = kHeaderBytes + static_cast<std::size_t>(payload);
  Reader crc_reader(bytes + end, kCrcBytes, source);
  const uint32_t stored = crc_reader.u32("checksum");
  const uint32_t computed = crc32(bytes, end);
  if (stored != computed) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "corrupted: checksum mismatch (stored 0x%08x, computed 0x%08x)",
                  stored, computed);
    format_error(source, buf);
  }
  if (payload < available) {
    format_error(source, std::to_string(available - payload) +
                             " trailing bytes after the end of the state dict");
  }

  // 5. Entries. Each one consumes at least 8 bytes, so a huge corrupted count simply runs out
  // of payload; nothing is reserved up front from it.
  StateDict dict;
  dict.source_ = source;
  Reader r(bytes + kHeaderBytes, static_cast<std::size_t>(payload), source);
  for (uint64_t i = 0; i < count; ++i) {
    std::string entry = "entry " + std::to_string(i);
    const uint32_t kind = r.u32(entry + ": kind");
    const uint32_t name_length = r.u32(entry + ": name length");
    std::string name = r.bytes(name_length, entry + ": name");
    entry += " ('" + name + "')";
    if (dict.index_.count(name) != 0) format_error(source, "duplicate entry '" + name + "'");

    StateDict::Value value;
    switch (kind) {
      case kind_index<Tensor>() + 1:
        value = read_tensor(r, source, entry);
        break;
      case kind_index<double>() + 1:
        value.emplace<double>(r.f64(entry + ": float64 value"));
        break;
      case kind_index<int64_t>() + 1:
        value.emplace<int64_t>(r.i64(entry + ": int64 value"));
        break;
      case kind_index<std::string>() + 1: {
        const uint64_t length = r.u64(entry + ": string length");
        value.emplace<std::string>(
            r.bytes(length, entry + ": string of " + std::to_string(length) + " bytes"));
        break;
      }
      default:
        format_error(source, entry + ": unknown entry kind " + std::to_string(kind) +
                                 " (expected 1.." + std::to_string(kNumKinds) + ")");
    }
    dict.index_.emplace(name, dict.entries_.size());
    dict.entries_.push_back(StateDict::Entry{std::move(name), std::move(value)});
  }
  if (r.remaining() != 0) {
    format_error(source, std::to_string(r.remaining()) + " unparsed bytes after the " +
                             std::to_string(count) + " entries the header announces");
  }
  return dict;
}

// ---- Files ----------------------------------------------------------------------------------

// One writer per checkpoint path: a fixed temporary name, so an interrupted save leaves at most
// one stale "<path>.tmp", which the next save replaces.
void save_state_dict(const StateDict& dict, const std::string& path) {
  const std::vector<uint8_t> bytes = encode_state_dict(dict);
  write_file_atomic(path,
                    std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                    path + ".tmp");
}

StateDict load_state_dict(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) format_error(path, std::string("cannot open: ") + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 14];
  std::size_t n;
  errno = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) {
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno != 0 ? errno : EIO;
  std::fclose(f);
  if (failed) format_error(path, std::string("cannot read: ") + std::strerror(err));
  return decode_state_dict(bytes.data(), bytes.size(), path);
}

void put_tensors(StateDict& dict, const std::string& prefix, const std::vector<Tensor>& tensors) {
  dict.set_int(prefix + ".count", static_cast<int64_t>(tensors.size()));
  for (std::size_t i = 0; i < tensors.size(); ++i)
    dict.set_tensor(prefix + "." + std::to_string(i), tensors[i]);
}

void get_tensors(const StateDict& dict, const std::string& prefix, std::vector<Tensor>& tensors) {
  int64_t count = dict.get_count(prefix + ".count");
  if (count != static_cast<int64_t>(tensors.size())) {
    throw phantom::FormatError("state dict '" + dict.source() + "': '" + prefix + "' holds " +
                               std::to_string(count) + " tensors, expected " +
                               std::to_string(tensors.size()));
  }
  for (std::size_t i = 0; i < tensors.size(); ++i)
    dict.copy_into(prefix + "." + std::to_string(i), tensors[i]);
}

}  // namespace nn
