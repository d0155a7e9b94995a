// The fuzz targets' shared helpers (fuzz_support.hpp).
#include "fuzz_support.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nn/serialize.hpp"

namespace fuzz {

namespace fs = std::filesystem;

void finding(const std::string& what) {
  std::fprintf(stderr, "\n==== finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return std::string(typeid(e).name()) + ": " + e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

namespace {

struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "phantom-fuzz-XXXXXX").string();
    if (!mkdtemp(pattern.data())) finding("cannot create a scratch directory under " + pattern);
    path = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

const std::string& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

void clear_dir(const std::string& dir) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) fs::remove_all(e.path(), ec);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) finding("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) finding("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string state_dict_bytes(const uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) return bytes;
  // The header is 32 bytes: magic, version, flags, entry count, then the payload length.
  if (bytes.size() >= 32) {
    uint64_t payload = bytes.size() - 32;
    for (int i = 0; i < 8; ++i) bytes[24 + i] = static_cast<char>((payload >> (8 * i)) & 0xFF);
  }
  const uint32_t crc = nn::crc32(bytes.data(), bytes.size());
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return bytes;
}

std::string seed_bytes(const std::vector<uint8_t>& encoded) {
  std::string out(1, '\x01');
  out.append(reinterpret_cast<const char*>(encoded.data()), encoded.size() - 4);
  return out;
}

}  // namespace fuzz
