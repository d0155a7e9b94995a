// Reading and writing the golden files (golden.hpp).
#include "golden.hpp"

#include <fstream>

#include "analysis/text_file.hpp"
#include "nn/error.hpp"

namespace regress {

namespace {

const char* const kExplanation =
    "# phantom-regress: the checksum each workload must produce, whatever the thread count\n"
    "# (PHANTOM_NUM_THREADS), the SIMD path (PHANTOM_SIMD) and the compiler (g++ or clang++ on\n"
    "# x86-64 Linux; docs/DETERMINISM.md). Each is the FNV-1a 64 of the workload's per-output\n"
    "# hashes, which outputs/<workload>.txt lists. `phantom-regress --check` compares; only\n"
    "# `phantom-regress --update --reason \"...\"` writes this file, adding the reason below.\n"
    "#\n";
const char* const kHistoryTitle = "# History (why the checksums changed, oldest first):";

// A line's 16 hex digits as a number; false if `text` is not exactly that.
bool parse_hex(const std::string& text, uint64_t& out) {
  if (text.size() != 16) return false;
  out = 0;
  for (char c : text) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    out = out << 4 | static_cast<uint64_t>(v);
  }
  return true;
}

[[noreturn]] void bad_line(const std::string& path, int line, const std::string& expected) {
  throw phantom::FormatError(path + ":" + std::to_string(line) + ": expected " + expected);
}

}  // namespace

const uint64_t* Golden::find(const std::string& name) const {
  for (const auto& [n, c] : checksums) {
    if (n == name) return &c;
  }
  return nullptr;
}

void Golden::set(const std::string& name, uint64_t checksum) {
  for (auto& [n, c] : checksums) {
    if (n == name) {
      c = checksum;
      return;
    }
  }
  checksums.emplace_back(name, checksum);
}

Golden read_golden(const std::string& path) {
  Golden g;
  std::ifstream in(path);
  if (!in) return g;
  bool in_history = false;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line == kHistoryTitle) {
        in_history = true;
      } else if (in_history && line.size() > 2) {
        g.history.push_back(line.substr(2));
      }
      continue;
    }
    const std::size_t space = line.find(' ');
    uint64_t checksum = 0;
    if (space == std::string::npos || space == 0 || !parse_hex(line.substr(space + 1), checksum)) {
      bad_line(path, number, "'<workload> <16 lowercase hex digits>' or a '#' comment");
    }
    g.checksums.emplace_back(line.substr(0, space), checksum);
  }
  return g;
}

void write_golden(const std::string& path, const Golden& golden) {
  std::string text = kExplanation;
  text += std::string(kHistoryTitle) + "\n";
  for (const std::string& h : golden.history) text += "# " + h + "\n";
  text += "\n";
  for (const auto& [name, checksum] : golden.checksums) text += name + " " + hex(checksum) + "\n";
  phantom::write_text_atomic(path, text);
}

std::vector<Output> read_outputs(const std::string& path) {
  std::vector<Output> out;
  std::ifstream in(path);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    uint64_t hash = 0;
    if (line.size() < 18 || line[16] != ' ' || !parse_hex(line.substr(0, 16), hash)) {
      bad_line(path, number, "'<16 lowercase hex digits> <output name>'");
    }
    out.push_back({line.substr(17), hash});
  }
  return out;
}

void write_outputs(const std::string& path, const std::vector<Output>& outputs) {
  std::string text;
  for (const Output& o : outputs) text += hex(o.hash) + " " + o.name + "\n";
  phantom::write_text_atomic(path, text);
}

std::string first_difference(const std::vector<Output>& expected,
                             const std::vector<Output>& produced) {
  const std::size_t n = std::min(expected.size(), produced.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Output &e = expected[i], &p = produced[i];
    if (e.name != p.name) {
      return "output " + std::to_string(i + 1) + " is '" + p.name + "', expected '" + e.name + "'";
    }
    if (e.hash != p.hash) return p.name + ": expected " + hex(e.hash) + ", got " + hex(p.hash);
  }
  if (expected.size() != produced.size()) {
    return std::to_string(produced.size()) + " outputs, expected " +
           std::to_string(expected.size()) + " (first extra or missing: '" +
           (produced.size() > n ? produced[n].name : expected[n].name) + "')";
  }
  return "";
}

}  // namespace regress
