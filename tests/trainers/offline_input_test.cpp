// Offline input streams: mixing sources by probability (and refusing probabilities that do not
// sum to 1), reproducible file picks from the seed, and the shuffle buffer.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "analysis/test_files.hpp"
#include "nn/error.hpp"
#include "support/error_message.hpp"
#include "trainers/offline/batch_json.hpp"
#include "trainers/offline/json_reader.hpp"
#include "trainers/offline/mixed_input.hpp"
#include "trainers/offline/shuffled_input.hpp"

namespace {

using analysis_test::ScratchDir;
using phantom::MultiAgentBatch;

// Batches numbered by their env_steps: 0, 1, 2, ... (or from `first`).
class Counter final : public phantom::InputReader {
 public:
  explicit Counter(int64_t first = 0) : next_(first) {}
  MultiAgentBatch& next() override {
    batch_.env_steps = next_++;
    return batch_;
  }
  int64_t produced() const { return next_; }

 private:
  int64_t next_;
  MultiAgentBatch batch_;
};

TEST(OfflineInput, MixedProbabilitiesMustSumToOne) {
  auto source = [](const char* name, double p) {
    return phantom::MixedSource{name, p, std::make_shared<Counter>()};
  };
  const std::string m = test_support::message_of<phantom::ConfigError>([&] {
    phantom::MixedInput({source("logs/*.json", 0.5), source("sampler", 0.4)}, nn::Rng(1));
  });
  EXPECT_HAS(m, "sum to 0.9");
  EXPECT_HAS(m, "'logs/*.json': 0.5");
  EXPECT_HAS(m, "'sampler': 0.4");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               phantom::MixedInput({source("a", 1.5), source("b", -0.5)}, nn::Rng(1));
             }),
             "finite and >= 0");
  // 0.1 + 0.2 + 0.7 is 0.9999999999999999 in doubles: within the tolerance.
  EXPECT_NO_THROW(
      phantom::MixedInput({source("a", 0.1), source("b", 0.2), source("c", 0.7)}, nn::Rng(1)));
}

TEST(OfflineInput, MixedInputDrawsEachSourceWithItsProbability) {
  auto a = std::make_shared<Counter>(0), b = std::make_shared<Counter>(1000000);
  phantom::MixedInput mixed(
      {{"a", 0.25, a}, {"b", 0.75, b}, {"never", 0.0, std::make_shared<Counter>()}}, nn::Rng(5));
  int from_a = 0;
  const int n = 4000;
  for (int k = 0; k < n; ++k) from_a += mixed.next().env_steps < 1000000;
  EXPECT_NEAR(from_a / static_cast<double>(n), 0.25, 0.03);
  EXPECT_EQ(a->produced() + (b->produced() - 1000000), n);
}

// Files a.json (counts 1, 2, 3) and b.json (counts 11, 12) in `dir`.
std::vector<std::string> numbered_files(const ScratchDir& dir) {
  auto write = [&](const std::string& name, std::vector<int64_t> counts) {
    std::string text;
    for (int64_t c : counts) {
      MultiAgentBatch batch;
      batch.env_steps = c;
      phantom::append_batch_json(text, batch);
      text += '\n';
    }
    analysis_test::write_all(dir.file(name), text);
    return dir.file(name);
  };
  return {write("b.json", {11, 12}), write("a.json", {1, 2, 3})};
}

std::vector<int64_t> read_counts(const std::vector<std::string>& files, uint64_t seed, int n) {
  phantom::JsonReader reader(files, nn::Rng(seed));
  std::vector<int64_t> counts;
  for (int k = 0; k < n; ++k) counts.push_back(reader.next().env_steps);
  return counts;
}

TEST(OfflineInput, TheSameSeedReadsTheSameSequence) {
  ScratchDir dir;
  const std::vector<std::string> files = numbered_files(dir);
  const std::vector<int64_t> a = read_counts(files, 7, 40);
  EXPECT_EQ(a, read_counts(files, 7, 40));
  // The listing order does not matter (the reader sorts the files).
  EXPECT_EQ(a, read_counts({files[1], files[0]}, 7, 40));
  EXPECT_NE(a, read_counts(files, 8, 40));
  // Whole files, in order, one after the other.
  for (std::size_t k = 0; k < a.size();) {
    const std::vector<int64_t> one =
        a[k] == 1 ? std::vector<int64_t>{1, 2, 3} : std::vector<int64_t>{11, 12};
    for (int64_t c : one) {
      if (k == a.size()) break;
      ASSERT_EQ(a[k], c) << "position " << k;
      ++k;
    }
  }
}

TEST(OfflineInput, TheShuffleBufferFillsThenReplacesAndReturnsRandomSlots) {
  auto counter = std::make_shared<Counter>();
  phantom::ShuffledInput shuffled(counter, 4, nn::Rng(3));
  std::vector<int64_t> out;
  for (int k = 0; k < 200; ++k) out.push_back(shuffled.next().env_steps);
  // The first call fills four slots and replaces one: five batches read; then one per call.
  EXPECT_EQ(counter->produced(), 204);
  // Each returned batch was read already, and is at most a few calls old.
  std::vector<int> seen(204, 0);
  for (std::size_t k = 0; k < out.size(); ++k) {
    ASSERT_LE(out[k], static_cast<int64_t>(k) + 4) << "call " << k;
    ++seen[static_cast<std::size_t>(out[k])];
  }
  // Batches repeat and some are never returned, as in RLlib.
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](int n) { return n > 1; }));
  EXPECT_TRUE(std::any_of(seen.begin(), seen.begin() + 190, [](int n) { return n == 0; }));
  // Reproducible from the seed.
  phantom::ShuffledInput again(std::make_shared<Counter>(), 4, nn::Rng(3));
  for (std::size_t k = 0; k < out.size(); ++k) ASSERT_EQ(again.next().env_steps, out[k]);
  // What the caller does to a returned batch does not reach the buffer.
  phantom::ShuffledInput one_slot(std::make_shared<Counter>(), 2, nn::Rng(4));
  MultiAgentBatch& first = one_slot.next();
  first.env_steps = -1;
  for (int k = 0; k < 20; ++k) EXPECT_GE(one_slot.next().env_steps, 0);
  // A buffer of 0 or 1 passes batches through.
  phantom::ShuffledInput through(std::make_shared<Counter>(), 1, nn::Rng(3));
  for (int64_t k = 0; k < 5; ++k) EXPECT_EQ(through.next().env_steps, k);
}

}  // namespace
