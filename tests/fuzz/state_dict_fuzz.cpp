// Fuzz target: the state-dict decoder (nn/serialize.cpp), which every checkpoint goes through,
// and its accessors on whatever it accepts. Properties of an accepted file: encoding the decoded
// dict gives the same bytes (the format is canonical), and every tensor's shape matches its
// values. The first input byte picks the framing (fuzz_support.hpp: state_dict_bytes).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "nn/serialize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = fuzz::state_dict_bytes(data, size);
  auto dict = fuzz::accept_or_error(
      [&] { return nn::decode_state_dict(bytes.data(), bytes.size(), "fuzz input"); });
  if (!dict) return 0;

  fuzz::must_succeed("an accepted state dict encodes to the same bytes", [&] {
    const std::vector<uint8_t> again = nn::encode_state_dict(*dict);
    fuzz::check(std::string(again.begin(), again.end()) == bytes,
                "an accepted state dict encodes to the same bytes");
  });

  // Every accessor on every entry: the right kind returns, the wrong kind is a FormatError.
  for (const std::string& name : dict->names()) {
    fuzz::accept_or_error([&] {
      const nn::Tensor& t = dict->tensor(name);
      fuzz::check(t.numel() >= 0, "a decoded tensor has a non-negative size");
    });
    fuzz::accept_or_error([&] { return dict->get_float(name); });
    fuzz::accept_or_error([&] { return dict->get_int(name); });
    fuzz::accept_or_error([&] { return dict->get_count(name); });
    fuzz::accept_or_error([&] { return dict->get_count(name, 100); });
    fuzz::accept_or_error([&] { return dict->get_string(name).size(); });
    fuzz::accept_or_error([&] { return dict->get_doubles(name).size(); });
    fuzz::accept_or_error([&] { return dict->get_int64s(name).size(); });
    const std::size_t dot = name.rfind('.');
    if (dot != std::string::npos) {
      fuzz::accept_or_error([&] { dict->get_rng(name.substr(0, dot)).next_u64(); });
    }
  }
  return 0;
}
