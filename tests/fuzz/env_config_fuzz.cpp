// Fuzz target: the env-config text form (phantom/env_config_text.cpp) and what its entries hold:
// the typed getters, samplers drawn a few times, ranges (their size is computed, never counted
// by looping) and the rollout grid they span. Properties of accepted text: to_text() reads back
// as the same text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/range_grid.hpp"
#include "fuzz_support.hpp"
#include "nn/rng.hpp"
#include "phantom/env_config.hpp"
#include "phantom/sampler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config =
      fuzz::accept_or_error([&] { return phantom::EnvConfig::parse(fuzz::text(data, size)); });
  if (!config) return 0;

  fuzz::must_succeed("to_text() of a parsed config reads back as the same text", [&] {
    const std::string written = config->to_text();
    fuzz::check(phantom::EnvConfig::parse(written, "to_text()").to_text() == written,
                "to_text() of a parsed config reads back as the same text:\n" + written);
  });

  nn::Rng rng(1);
  std::vector<std::shared_ptr<const phantom::Range>> ranges;
  for (const auto& entry : config->entries()) {
    const std::string& name = entry.first;
    const phantom::FieldSource& source = entry.second;
    switch (source.kind()) {
      case phantom::FieldSource::Kind::fixed:
        fuzz::accept_or_error([&] { return config->number(name); });
        fuzz::accept_or_error([&] { return config->integer(name); });
        fuzz::accept_or_error([&] { return config->array(name); });
        break;
      case phantom::FieldSource::Kind::sampler:
        fuzz::accept_or_error([&] {
          for (int i = 0; i < 3; ++i) source.sampler()->sample(rng);
          source.sampler()->to_string();
        });
        break;
      case phantom::FieldSource::Kind::range: {
        const phantom::Range& r = *source.range();
        ranges.push_back(source.range());
        fuzz::accept_or_error([&] {
          const std::size_t n = r.size();
          if (n > 0) {
            r.value(0);
            r.value(n - 1);
          }
          if (n <= 4096) r.values();
          r.to_string();
        });
        break;
      }
    }
  }
  fuzz::accept_or_error([&] {
    phantom::RangeGrid grid(ranges);
    if (grid.size() > 0) grid.params(grid.size() - 1);
  });
  return 0;
}
