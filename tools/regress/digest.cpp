// Digest (digest.hpp): hashing tensors, state dicts and files output by output.
#include "digest.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "analysis/csv_reader.hpp"
#include "fnv1a.hpp"
#include "nn/error.hpp"

namespace regress {

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw phantom::Error("phantom-regress: cannot read '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The rank, then each dimension, as 8 bytes each.
void hash_shape(Fnv1a64& h, const nn::Shape& shape) {
  h.u64(static_cast<uint64_t>(shape.rank()));
  for (int d = 0; d < shape.rank(); ++d) h.u64(static_cast<uint64_t>(shape[d]));
}

// The hash of one state-dict entry: its kind (one byte), then its bytes. StateDict has no kind
// accessor, so each accessor is tried in turn; a wrong kind throws FormatError.
uint64_t entry_hash(const nn::StateDict& dict, const std::string& name) {
  Fnv1a64 h;
  try {
    const nn::Tensor& t = dict.tensor(name);
    h.text("T");
    hash_shape(h, t.shape());
    return h.floats(t.data(), static_cast<std::size_t>(t.numel())).value();
  } catch (const phantom::FormatError&) {
  }
  try {
    return h.text("I").u64(static_cast<uint64_t>(dict.get_int(name))).value();
  } catch (const phantom::FormatError&) {
  }
  try {
    return h.text("F").f64(dict.get_float(name)).value();
  } catch (const phantom::FormatError&) {
  }
  return h.text("S").text(dict.get_string(name)).value();
}

}  // namespace

void Digest::add(std::string name, uint64_t hash) {
  outputs_.push_back({std::move(name), hash});
}

void Digest::add_tensor(std::string name, const nn::Tensor& t) {
  Fnv1a64 h;
  hash_shape(h, t.shape());
  add(std::move(name), h.floats(t.data(), static_cast<std::size_t>(t.numel())).value());
}

void Digest::add_floats(std::string name, const float* values, std::size_t n) {
  add(std::move(name), Fnv1a64().floats(values, n).value());
}

void Digest::add_state_dict(const std::string& prefix, const nn::StateDict& dict,
                            const std::set<std::string>& skip) {
  for (const std::string& name : dict.names()) {
    if (skip.count(name) == 0) add(prefix + "/" + name, entry_hash(dict, name));
  }
}

void Digest::add_csv(const std::string& name, const std::string& path,
                     const std::set<std::string>& drop) {
  const phantom::CsvTable table = phantom::read_csv(path);
  std::vector<bool> kept(table.header.size());
  for (std::size_t c = 0; c < kept.size(); ++c) kept[c] = drop.count(table.header[c]) == 0;
  auto row_hash = [&](const std::vector<std::string>& cells) {
    Fnv1a64 h;
    bool first = true;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (!kept[c]) continue;
      if (!first) h.text(",");
      h.text(cells[c]);
      first = false;
    }
    return h.value();
  };
  add(name + ":header", row_hash(table.header));
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    add(name + ":row " + std::to_string(r + 1), row_hash(table.rows[r]));
  }
}

void Digest::add_text_file(const std::string& name, const std::string& path,
                           const std::vector<std::string>& skip_prefixes) {
  const std::string bytes = read_bytes(path);
  const std::string_view all(bytes);
  Fnv1a64 whole;
  std::size_t start = 0, line = 1;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    end = end == std::string::npos ? bytes.size() : end + 1;
    const std::string_view text = all.substr(start, end - start);
    bool skipped = false;
    for (const std::string& p : skip_prefixes) skipped = skipped || text.substr(0, p.size()) == p;
    if (!skipped) {
      whole.text(text);
      add(name + ":line " + std::to_string(line), fnv1a64(text));
    }
    ++line;
    start = end;
  }
  add(name + ":bytes", whole.value());
}

uint64_t Digest::checksum() const {
  Fnv1a64 h;
  for (const Output& o : outputs_) {
    h.text(o.name).text(std::string_view("\0", 1)).u64(o.hash);
  }
  return h.value();
}

std::string hex(uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

}  // namespace regress
