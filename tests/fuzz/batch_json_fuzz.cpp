// Fuzz target: a line of an offline experience file (trainers/offline/batch_json.cpp), and the
// same text as a file read by JsonReader. Properties of accepted lines: writing the batch back
// and reading that text gives the same text again (every value the reader accepts is one the
// writer can write, with its type), and every policy's columns have the same number of rows.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "trainers/offline/batch_json.hpp"
#include "trainers/offline/json_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::text(data, size);
  auto batch = fuzz::accept_or_error([&] { return phantom::parse_batch_json(text); });
  if (batch) {
    std::string written;
    phantom::append_batch_json(written, *batch);
    fuzz::must_succeed("a written batch reads back as the same text", [&] {
      std::string again;
      phantom::append_batch_json(again, phantom::parse_batch_json(written));
      fuzz::check(again == written, "a written batch reads back as the same text");
    });
  }
  // As a file: the reader either yields a batch or gives up with a phantom::Error (a bounded
  // number of bad lines), never loops.
  const std::string path = fuzz::scratch_dir() + "/input.json";
  fuzz::write_file(path, text);
  phantom::JsonReaderOptions options;
  options.max_bad_lines = 3;
  fuzz::accept_or_error([&] {
    phantom::JsonReader reader({path}, nn::Rng(1), options);
    for (int k = 0; k < 3; ++k) reader.next();
  });
  return 0;
}
