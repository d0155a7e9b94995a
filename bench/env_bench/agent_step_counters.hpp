// The counters of a benchmark that steps an env of many agents, so that every such benchmark
// reports the cost per agent-step the same way: agent-steps per second, its inverse (seconds
// per agent-step, shown as e.g. 35.2ns), and messages delivered per second.
#pragma once

#include <benchmark/benchmark.h>

/// Sets items (env steps), agent_steps, time_per_agent_step and messages on `state` for a run of
/// state.iterations() env steps of `agents` agents that deliver `messages_per_step` each.
inline void set_agent_step_counters(benchmark::State& state, double agents,
                                    double messages_per_step) {
  const auto iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["agent_steps"] =
      benchmark::Counter(iterations * agents, benchmark::Counter::kIsRate);
  state.counters["time_per_agent_step"] = benchmark::Counter(
      iterations * agents, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["messages"] =
      benchmark::Counter(iterations * messages_per_step, benchmark::Counter::kIsRate);
}
