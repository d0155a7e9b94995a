// nn::ThreadPool: what one hand-off costs, and whether a second thread ever makes things slower.
//
// BM_PoolRoundTrip/N/L        back-to-back empty runs on an N-thread pool: the spinning fast
//                             path every op pays when ops follow each other closely (L = 1:
//                             with a competitor, see below).
// BM_PoolRoundTripAfterSleep  one empty run after the pool has gone idle past its spin window:
//                             the condition-variable wake-up path (manual timing excludes the
//                             sleep itself).
// BM_PoolParallelForSum/N     a small useful workload (sum of 64k floats in N slices), to see
//                             the hand-off next to a few microseconds of real work.
//
// The load benchmarks below take two arguments, threads (1 or 2) and loaded (0 or 1). With
// loaded = 1 the benchmark forks a competitor before it starts timing: a child process that
// spins on the CPU until the benchmark ends, then is killed and reaped (it also dies with the
// benchmark program, PR_SET_PDEATHSIG). That is the realistic case of a machine whose other
// cores are busy with another program, which a spinning std::thread of our own would not be
// (it would share our process's scheduling). Wall-clock time is reported (UseRealTime).
//
// BM_PoolSlices/T/L/US        run() with US microseconds of arithmetic in every slice
//                             (threads x US in all, the same whatever T): the pool alone.
// BM_MeasuredSplit/T/L/US      nn::MeasuredSplit over 8 items of US microseconds each: the
//                             decision rule on its own (it splits only when that pays).
// BM_CartPolePpoIteration/T/L one PPO iteration on CartPole (4 envs x 128 steps, then the
//                             update), PpoOptions::threads = T.
// BM_SupplyChainSample/T/L    RolloutWorker::sample() of 8 supply-chain envs x 100 steps,
//                             num_threads = T.
//
// The 1-vs-2-thread comparison wants interleaved repetitions, so that a slow phase of the
// machine hits both alike:
//   ./build/bench/nn_bench --benchmark_filter='Slices|Measured|CartPole|SupplyChain'
//       --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true          (one command line)
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cartpole.hpp"
#include "nn/thread_pool.hpp"
#include "supply_chain.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "workloads/stepped_trainer.hpp"

namespace {

// A child process that keeps one core busy for as long as this object lives (none when `start`
// is false). Throws if it cannot be started: a "loaded" figure without the load would mislead.
class Competitor {
 public:
  explicit Competitor(bool start) {
    if (!start) return;
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("thread_pool_bench: fork() of the competitor failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
      volatile uint64_t spin = 0;
      for (;;) spin = spin + 1;
    }
  }
  ~Competitor() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Competitor(const Competitor&) = delete;
  Competitor& operator=(const Competitor&) = delete;

 private:
  pid_t pid_ = -1;
};

void BM_PoolRoundTrip(benchmark::State& state) {
  nn::ThreadPool pool(static_cast<int>(state.range(0)));
  int sink[64] = {};
  Competitor competitor(state.range(1) != 0);
  for (auto _ : state) {
    pool.run([&](int ith, int) { benchmark::DoNotOptimize(sink[ith]); });
  }
}
BENCHMARK(BM_PoolRoundTrip)
    ->ArgNames({"threads", "loaded"})
    ->ArgsProduct({{1, 2, 4}, {0, 1}})
    ->UseRealTime();

void BM_PoolRoundTripAfterSleep(benchmark::State& state) {
  nn::ThreadPool pool(2);
  const auto idle = std::chrono::microseconds(pool.spin_window_us() + 1000);
  int sink[2] = {};
  for (auto _ : state) {
    std::this_thread::sleep_for(idle);  // workers fall asleep
    auto start = std::chrono::steady_clock::now();
    pool.run([&](int ith, int) { benchmark::DoNotOptimize(sink[ith]); });
    auto stop = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
  }
}
BENCHMARK(BM_PoolRoundTripAfterSleep)->UseManualTime()->Iterations(200);

void BM_PoolParallelForSum(benchmark::State& state) {
  nn::ThreadPool pool(static_cast<int>(state.range(0)));
  std::vector<float> x(1 << 16, 1.0f);
  std::vector<float> partial(64, 0.0f);
  for (auto _ : state) {
    pool.run([&](int ith, int nth) {
      auto r = nn::ThreadPool::split(static_cast<int64_t>(x.size()), ith, nth);
      float s = 0.0f;
      for (int64_t i = r.first; i < r.second; ++i) s += x[static_cast<size_t>(i)];
      partial[ith] = s;
    });
    float total = 0.0f;
    for (int i = 0; i < pool.num_threads(); ++i) total += partial[i];
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK(BM_PoolParallelForSum)->Arg(1)->Arg(2);

// ---- Under load ----

// The argument pairs of the load benchmarks: threads in {1, 2} x loaded in {0, 1}.
void load_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"threads", "loaded"});
  for (int loaded : {0, 1})
    for (int threads : {1, 2}) b->Args({threads, loaded});
  b->UseRealTime();
}

// About `ns` nanoseconds of dependent integer arithmetic (a fixed count of steps, so the work
// itself never changes).
uint64_t busy_work(uint64_t seed, int64_t ns) {
  uint64_t x = seed;
  for (int64_t i = 0; i < ns; ++i) x = x * 6364136223846793005u + 1442695040888963407u;
  return x;
}

void BM_PoolSlices(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t share_ns = state.range(2) * 1000;
  nn::ThreadPool pool(threads);
  std::vector<uint64_t> out(2 * 8, 0);
  Competitor competitor(state.range(1) != 0);
  for (auto _ : state) {
    // Two slices' worth of work in all, however many threads share it.
    pool.run([&](int ith, int nth) {
      for (int s = ith; s < 2; s += nth) out[static_cast<size_t>(s) * 8] = busy_work(s, share_ns);
    });
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_PoolSlices)
    ->ArgNames({"threads", "loaded", "us"})
    ->ArgsProduct({{1, 2}, {0, 1}, {2, 20, 200}})
    ->UseRealTime();

void BM_MeasuredSplit(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t item_ns = state.range(2) * 1000;
  constexpr int64_t kItems = 8;
  nn::ThreadPool pool(threads);
  nn::MeasuredSplit split;
  std::vector<uint64_t> out(kItems * 8, 0);
  Competitor competitor(state.range(1) != 0);
  int64_t calls = 0, split_calls = 0;
  for (auto _ : state) {
    bool was_split = false;
    split.run(pool, kItems, [&](int64_t begin, int64_t end) {
      if (begin != 0) was_split = true;  // written by one range only
      for (int64_t i = begin; i < end; ++i)
        out[static_cast<size_t>(i) * 8] = busy_work(static_cast<uint64_t>(i), item_ns);
    });
    benchmark::DoNotOptimize(out.data());
    ++calls;
    split_calls += was_split;
  }
  // How often the rule chose to split, and what it measured per item (microseconds).
  state.counters["split"] = static_cast<double>(split_calls) / static_cast<double>(calls);
  state.counters["inline_us"] = split.inline_ns_per_item() / 1000.0;
  state.counters["split_us"] = split.split_ns_per_item() / 1000.0;
}
BENCHMARK(BM_MeasuredSplit)
    ->ArgNames({"threads", "loaded", "us"})
    ->ArgsProduct({{1, 2}, {0, 1}, {1, 10, 100}})
    ->UseRealTime();

void BM_CartPolePpoIteration(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  nn::set_num_threads(threads);  // the kernels' pool, too
  phantom::TrainOptions run;
  run.iterations = 1000000;  // a long horizon: the learning rate barely anneals
  run.policies.add("cart", phantom::agent_ids({"CARTPOLE"}));
  run.policies_to_train = {"cart"};
  phantom::PpoOptions options;  // CleanRL's CartPole settings
  options.threads = threads;
  workloads::SteppedTrainer<phantom::PpoTrainer> ppo(
      options, [](const phantom::EnvConfig& c) { return cartpole::make_cartpole_env(c); }, run);
  phantom::IterationStats stats;
  ppo.iterate(stats);  // warm-up: buffers grow
  Competitor competitor(state.range(1) != 0);
  for (auto _ : state) ppo.iterate(stats);
  nn::set_num_threads(0);
}
BENCHMARK(BM_CartPolePpoIteration)->Apply(load_args)->Unit(benchmark::kMillisecond);

class ConstantOrder : public phantom::Policy {
 public:
  using Policy::Policy;
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = 9.0f; }
};

void BM_SupplyChainSample(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  auto probe = supply_chain::make_env();
  const phantom::StrategicAgent& shop = probe->strategic_agent(probe->strategic_position("SHOP"));
  phantom::PolicyMapping mapping;
  mapping.add("shop", phantom::agent_ids({"SHOP"}));
  phantom::RolloutWorkerOptions o;
  o.num_envs = 8;
  o.rollout_fragment_length = 100;
  o.batch_mode = phantom::BatchMode::truncate_episodes;
  o.seed = 1;
  o.keep_episode_records = false;
  o.num_threads = threads;
  auto policy = std::make_shared<ConstantOrder>(shop.observation_space(), shop.action_space());
  phantom::RolloutWorker worker([](const phantom::EnvContext&) { return supply_chain::make_env(); },
                                phantom::PolicyMap{{"shop", policy}}, mapping, o);
  worker.sample();  // warm-up: buffers grow
  Competitor competitor(state.range(1) != 0);
  for (auto _ : state) worker.sample();
}
BENCHMARK(BM_SupplyChainSample)->Apply(load_args)->Unit(benchmark::kMicrosecond);

}  // namespace
