// Trainer: setup, the iteration loop, the metrics CSV, progress and checkpoints.
#include "trainers/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "analysis/csv_logger.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/progress_bar.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/text_file.hpp"
#include "nn/error.hpp"
#include "phantom/env_signature.hpp"

namespace phantom {

namespace {

// The CSV columns: counters, rewards per policy and per agent, metrics, the trainer's stats.
std::vector<std::string> csv_columns(const ResolvedPolicies& resolved, const PhantomEnv& env,
                                     const TrainOptions& options,
                                     const std::vector<std::string>& stat_names) {
  std::vector<std::string> cols = {"iteration", "env_steps", "agent_steps", "episodes",
                                   "wall_seconds"};
  auto add_reward = [&](const std::string& prefix) {
    for (const char* s : {"/reward_mean", "/reward_min", "/reward_max"}) cols.push_back(prefix + s);
  };
  for (const ResolvedPolicy& p : resolved.policies) add_reward("policy/" + p.id);
  for (const std::string& id : env.strategic_agent_ids()) add_reward("agent/" + id);
  for (const auto& m : options.metrics) cols.push_back("metric/" + m.first);
  for (const std::string& k : options.custom_metrics) {
    for (const char* s : {"_mean", "_min", "_max"}) cols.push_back("custom/" + k + s);
  }
  for (const std::string& s : stat_names) cols.push_back(s);
  return cols;
}

void set_reward(CsvRow& row, const std::string& prefix, const Accumulator& a) {
  if (a.count == 0) return;  // no finished episode: empty cells
  row.set(prefix + "/reward_mean", a.mean());
  row.set(prefix + "/reward_min", a.min);
  row.set(prefix + "/reward_max", a.max);
}

// The run's configuration, as text a reader (or a later run) can use.
std::string config_text(const std::string& kind, const TrainOptions& options,
                        const EnvConfig& env_config) {
  std::string t = "# trainer: " + kind + "\n";
  t += "# iterations: " + std::to_string(options.iterations) + "\n";
  t += "# seed: " + std::to_string(options.seed) + "\n";
  t += "# policies to train:";
  for (const auto& p : options.policies_to_train) t += " " + p;
  t += "\n\n[policies]\n" + options.policies.to_text() + "\n[env]\n";
  try {
    t += env_config.to_text();
  } catch (const ConfigError& e) {
    t += std::string("# not representable as text: ") + e.what() + "\n";
  }
  return t;
}

// Keeps the CSV rows of iterations <= `iteration` (a resumed run rewrites those after it), and a
// byte order mark if the file starts with one. A row whose iteration is not an integer is a
// FormatError naming the file, line and column: such a file is not the one this run wrote.
void truncate_csv_after(const std::string& path, int64_t iteration) {
  CsvReadOptions read_options;
  read_options.skip_unterminated_last_row = true;
  const std::string original = read_text_file(path);
  const CsvTable table = parse_csv(original, path, read_options);
  const std::vector<int64_t> iterations = table.integers("iteration");
  std::string text(original, 0, original.size() - skip_byte_order_mark(original).size());
  auto append_line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) text += ',';
      append_csv_field(text, fields[i]);
    }
    text += '\n';
  };
  append_line(table.header);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    if (iterations[r] <= iteration) append_line(table.rows[r]);
  }
  write_text_atomic(path, text);
}

// The checkpoint file of `run_dir` for `iteration` (the newest if empty). ConfigError naming the
// directory when there is none, or not that one (listing those there are).
std::string find_checkpoint(const std::string& run_dir, std::optional<int64_t> iteration,
                            const char* what) {
  std::vector<CheckpointFile> files = ResultsDir(run_dir).list_checkpoints();
  if (files.empty()) throw ConfigError(std::string(what) + ": no checkpoint in " + run_dir);
  if (!iteration) return files.back().path;
  std::string available;
  for (const CheckpointFile& f : files) {
    if (f.iteration == *iteration) return f.path;
    available += (available.empty() ? "" : ", ") + std::to_string(f.iteration);
  }
  throw ConfigError(std::string(what) + ": no checkpoint of iteration " +
                    std::to_string(*iteration) + " in " + run_dir + " (iterations: " + available +
                    ")");
}

}  // namespace

// ---- The three paths: train, resume, load ----

TrainingResults Trainer::train(const EnvFactory& make_env, const EnvConfig& env_config,
                               const TrainOptions& options) {
  Prepared run = prepare(make_env, env_config, options);
  Progress start;
  std::optional<ResultsDir> dir;
  std::optional<CsvMetricsLogger> csv;
  if (!options.results_dir.empty()) {
    dir.emplace(ResultsDir::create(options.results_dir, options.experiment, options.seed));
    dir->write_config(config_text(kind_, options, env_config));
    csv.emplace(dir->metrics_path(), run.columns);
  }
  return iterate(run, options, start, dir, csv);
}

TrainingResults Trainer::resume(const std::string& run_path, const EnvFactory& make_env,
                                const EnvConfig& env_config, const TrainOptions& options) {
  const std::string run_dir = ResultsDir::resolve(run_path);
  Prepared run = prepare(make_env, env_config, options);
  std::optional<ResultsDir> dir(std::in_place, run_dir);
  nn::StateDict state = nn::load_state_dict(find_checkpoint(run_dir, std::nullopt, "resume"));
  Progress start;
  start.iteration =
      static_cast<int>(state.get_count("trainer.iteration", std::numeric_limits<int>::max()));
  start.env_steps = state.get_count("trainer.env_steps");
  start.agent_steps = state.get_count("trainer.agent_steps");
  start.wall_seconds = state.get_float("trainer.wall_seconds");
  load_state(state);
  // The rows after the checkpoint are written again, exactly as an uninterrupted run would.
  truncate_csv_after(dir->metrics_path(), start.iteration);
  std::optional<CsvMetricsLogger> csv(std::in_place, dir->metrics_path(), run.columns,
                                      CsvMetricsLogger::Mode::kAppend);
  return iterate(run, options, start, dir, csv);
}

TrainingResults Trainer::load(const std::string& run_path, const EnvFactory& make_env,
                              const EnvConfig& env_config, const TrainOptions& options,
                              std::optional<int64_t> checkpoint) {
  const std::string run_dir = ResultsDir::resolve(run_path);
  Prepared run = prepare(make_env, env_config, options);
  nn::StateDict state = nn::load_state_dict(find_checkpoint(run_dir, checkpoint, "load"));
  load_state(state);
  TrainingResults& results = run.results;
  results.run_dir = run_dir;
  results.iterations =
      static_cast<int>(state.get_count("trainer.iteration", std::numeric_limits<int>::max()));
  results.env_steps = state.get_count("trainer.env_steps");
  return results;
}

// ---- What the three share ----

Trainer::Prepared Trainer::prepare(const EnvFactory& make_env, const EnvConfig& env_config,
                                   const TrainOptions& options) {
  if (options.policies_to_train.empty()) {
    throw ConfigError(kind_ +
                      " trainer: policies_to_train is empty; name at least one policy "
                      "of kind '" +
                      kind_ + "' to train");
  }
  if (options.iterations < 0) {
    throw ConfigError(kind_ + " trainer: iterations = " + std::to_string(options.iterations) +
                      ", expected >= 0");
  }
  if (options.checkpoint_every < 0) {
    throw ConfigError(kind_ +
                      " trainer: checkpoint_every = " + std::to_string(options.checkpoint_every) +
                      ", expected >= 0 (0: only at the end)");
  }
  env_config.check_no_ranges(kind_ + " trainer");
  for (std::size_t k = 0; k < options.custom_metrics.size(); ++k) {
    const std::string& name = options.custom_metrics[k];
    if (name.empty() ||
        std::find(options.custom_metrics.begin(), options.custom_metrics.begin() + k, name) !=
            options.custom_metrics.begin() + k) {
      throw ConfigError(kind_ + " trainer: custom_metrics entry " + std::to_string(k) + " ('" +
                        name + "') is empty or repeated; each names one metric once");
    }
  }
  if (!make_env) throw ConfigError(kind_ + " trainer: the env factory is empty");

  // The mapping is checked against a throwaway env of the same config.
  Prepared run;
  run.probe = make_env(env_config);
  if (!run.probe) throw ConfigError(kind_ + " trainer: the env factory returned null");
  run.resolved =
      options.policies.resolve(*run.probe, kind_, options.policies_to_train, options.registry);
  std::vector<std::shared_ptr<Policy>> policies =
      create_registered_policies(run.resolved, options.registry);
  Setup s{&make_env, &env_config, &options, &run.resolved, &policies, run.probe.get()};
  setup(s);
  if (options.callbacks) options.callbacks->on_algorithm_init(*this);
  for (std::size_t p = 0; p < policies.size(); ++p) {
    if (!policies[p]) {
      throw ValueError(kind_ + " trainer: setup() left policy '" + run.resolved.policies[p].id +
                       "' unbuilt");
    }
    run.results.policies[run.resolved.policies[p].id] = policies[p];
  }
  run.columns = csv_columns(run.resolved, *run.probe, options, stat_names());
  return run;
}

TrainingResults Trainer::iterate(Prepared& run, const TrainOptions& options, Progress start,
                                 std::optional<ResultsDir>& dir,
                                 std::optional<CsvMetricsLogger>& csv) {
  const ResolvedPolicies& resolved = run.resolved;
  const PhantomEnv* probe = run.probe.get();
  TrainingResults& results = run.results;
  int64_t env_steps = start.env_steps, agent_steps = start.agent_steps;
  const double wall_before = start.wall_seconds;
  if (dir) results.run_dir = dir->path();
  results.iterations = start.iteration;

  std::optional<ProgressBar> progress;
  if (options.show_progress && options.progress_out) {
    ProgressOptions po;
    po.initial = start.iteration;
    progress.emplace(options.iterations, "training " + kind_, *options.progress_out, po);
  }
  int first_trained = resolved.index_of(options.policies_to_train.front());
  auto clock_start = std::chrono::steady_clock::now();
  auto wall_seconds = [&] {
    return wall_before +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  };

  IterationStats stats;
  for (int it = start.iteration; it < options.iterations; ++it) {
    stats.reset(static_cast<std::size_t>(probe->num_strategic()), options.metrics.size(),
                options.custom_metrics.size());
    training_step(it, stats);
    if (options.callbacks) options.callbacks->on_train_result(*this, stats);
    env_steps += stats.env_steps;
    agent_steps += stats.agent_steps;

    // Rewards pooled per policy, over its agents' finished episodes.
    std::vector<Accumulator> per_policy(resolved.policies.size());
    for (std::size_t pos = 0; pos < stats.returns.size(); ++pos) {
      per_policy[static_cast<std::size_t>(resolved.policy_of_position[pos])].merge(
          stats.returns[pos]);
    }
    if (csv) {
      CsvRow row;
      row.set("iteration", it + 1)
          .set("env_steps", env_steps)
          .set("agent_steps", agent_steps)
          .set("episodes", stats.episodes)
          .set("wall_seconds", wall_seconds());
      for (std::size_t p = 0; p < per_policy.size(); ++p)
        set_reward(row, "policy/" + resolved.policies[p].id, per_policy[p]);
      for (std::size_t pos = 0; pos < stats.returns.size(); ++pos)
        set_reward(row, "agent/" + probe->strategic_agent_ids()[pos], stats.returns[pos]);
      for (std::size_t m = 0; m < options.metrics.size(); ++m)
        row.set("metric/" + options.metrics[m].first, stats.metrics[m].mean());
      for (std::size_t k = 0; k < options.custom_metrics.size(); ++k) {
        const Accumulator& a = stats.custom_metrics[k];
        if (a.count == 0) continue;  // no episode reported it: empty cells
        const std::string prefix = "custom/" + options.custom_metrics[k];
        row.set(prefix + "_mean", a.mean()).set(prefix + "_min", a.min).set(prefix + "_max", a.max);
      }
      for (const auto& kv : stats.stats())
        if (!std::isnan(kv.second)) row.set(kv.first, kv.second);
      csv->write_row(row);
    }
    if (progress) {
      double reward = per_policy[static_cast<std::size_t>(first_trained)].mean();
      progress->update(it + 1,
                       std::isnan(reward) ? std::string() : progress_field("reward", reward));
    }
    bool stop = options.on_iteration && options.on_iteration(it, stats, env_steps);
    bool last = stop || it + 1 == options.iterations;
    bool due = options.checkpoint_every > 0 && (it + 1) % options.checkpoint_every == 0;
    if (dir && (last || due)) {
      nn::StateDict state;
      state.set_int("trainer.iteration", it + 1);
      state.set_int("trainer.env_steps", env_steps);
      state.set_int("trainer.agent_steps", agent_steps);
      state.set_float("trainer.wall_seconds", wall_seconds());
      save_state(state);
      nn::save_state_dict(state, dir->checkpoint_path(it + 1));
    }
    results.iterations = it + 1;
    if (stop) break;
  }
  results.env_steps = env_steps;
  if (progress) progress->finish();
  results.last = stats;
  return results;
}

RolloutWorker& Trainer::make_worker(const Setup& s, RolloutWorkerOptions w) {
  const TrainOptions& run = *s.options;
  PolicyMap policies;
  std::vector<std::string> trained;
  for (std::size_t p = 0; p < s.resolved->policies.size(); ++p) {
    const ResolvedPolicy& rp = s.resolved->policies[p];
    policies[rp.id] = (*s.policies)[p];
    if (rp.trained) trained.push_back(rp.id);
  }
  w.seed = run.seed;
  w.env_config = *s.env_config;
  w.policies_to_train = trained;
  w.metrics = run.metrics;
  w.callbacks = run.callbacks;
  w.custom_metrics = run.custom_metrics;
  // The policies were built for the first env's agents: every sub-env must have them.
  const EnvFactory make_env = *s.make_env;
  auto first = std::make_shared<const EnvSignature>(*s.first_env);
  const std::string who = kind_ + " trainer";
  worker_ = std::make_unique<RolloutWorker>(
      [make_env, first, who](const EnvContext& ctx) {
        std::unique_ptr<PhantomEnv> env = make_env(ctx.config);
        if (env) first->check(*env, who, "sub-env " + std::to_string(ctx.vector_index));
        return env;
      },
      policies, run.policies, std::move(w));
  return *worker_;
}

RolloutWorker& Trainer::worker() const {
  if (!worker_) {
    throw ConfigError(kind_ + " trainer: it has no rollout worker before train() sets it up");
  }
  return *worker_;
}

void Trainer::broadcast_global_vars(const IterationStats& stats) {
  GlobalVars vars = worker().global_vars();
  vars.timestep += stats.env_steps;
  worker().set_global_vars(vars);
}

void Trainer::foreach_env(const std::function<void(PhantomEnv&)>& f) {
  worker().foreach_env([&f](PhantomEnv& env, int) { f(env); });
}

}  // namespace phantom
