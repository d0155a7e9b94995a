// Many agents: what one agent-step costs as the number of agents grows.
//
// Users simulate markets with hundreds to thousands of agents, so the cost per agent-step should
// stay flat with the agent count. BM_ManyAgentsStep/N steps the supply chain with N agents: the
// shop, the warehouse and N - 2 customers. Every customer orders from the shop each step and the
// shop answers every order, so the shop is a hub with N - 1 neighbours: the shape in which any
// per-send search, per-step scan or dense per-agent table shows up as a cost per agent-step that
// grows with N. The shop's action is fixed (order 10 units); resets are included, one every 100
// steps, as in BM_SupplyChainStep.
//
// Counters:
//   agent_steps        agent-steps per second (N agent-steps per env step)
//   time_per_agent_step  the same, inverted: seconds per agent-step (printed as e.g. 35.2ns)
//   messages           messages delivered per second (the messages of one step are counted once,
//                      before timing, with the resolver's message tracking)
//   bytes_per_agent    heap bytes held by the env after construction, reset and one step (so the
//                      message queues have grown), divided by N: the change of glibc's mallinfo2()
//                      uordblks + hblkhd (bytes in allocated chunks, including the large blocks
//                      malloc maps directly) across that span, in this process. 0 without glibc
//                      2.33 or later.
#include <benchmark/benchmark.h>

#include <cstddef>

#include "agent_step_counters.hpp"
#include "supply_chain.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

// Heap bytes in use by the process (see the counters above).
double heap_bytes_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd);
#else
  return 0.0;
#endif
}

void BM_ManyAgentsStep(benchmark::State& state) {
  const auto num_agents = static_cast<int>(state.range(0));
  const double heap_before = heap_bytes_in_use();
  auto env = supply_chain::make_env(num_agents - 2);
  phantom::Actions actions = env->make_actions();
  actions.set(0)[0] = 10.0f;
  env->reset(1);
  env->step(actions);  // the message queues grow to their steady size
  const double heap_bytes = heap_bytes_in_use() - heap_before;
  // One tracked step counts the messages of a step (after the heap is measured: the tracked
  // copies are not the env's).
  phantom::Resolver& resolver = env->network().resolver();
  resolver.set_track_messages(true);
  env->step(actions);
  const auto messages_per_step = static_cast<double>(resolver.tracked().size());
  resolver.set_track_messages(false);
  resolver.clear_tracked();

  uint64_t episode = 1;
  for (auto _ : state) {
    if (env->done()) env->reset(++episode);
    actions.set(0)[0] = 10.0f;
    benchmark::DoNotOptimize(env->step(actions).reward(0));
  }
  const auto agents = static_cast<double>(env->n_agents());
  set_agent_step_counters(state, agents, messages_per_step);
  state.counters["bytes_per_agent"] = heap_bytes / agents;
}
BENCHMARK(BM_ManyAgentsStep)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace
