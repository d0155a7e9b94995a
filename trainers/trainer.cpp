// Trainer: setup, the iteration loop, the metrics CSV, progress and checkpoints.
#include "trainers/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>

#include "analysis/csv_logger.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/progress_bar.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/text_file.hpp"
#include "nn/error.hpp"
#include "phantom/env_signature.hpp"
#include "trainers/tensorboard_log.hpp"

namespace phantom {

namespace {

// The columns of what finished episodes report, under `prefix`: rewards per policy and per
// agent, each metric and custom metric. Training and evaluation rows share them (evaluation's
// under "evaluation/"); episode_values writes them.
void add_episode_columns(std::vector<std::string>& cols, const std::string& prefix,
                         const ResolvedPolicies& resolved, const PhantomEnv& env,
                         const TrainOptions& options) {
  auto add_reward = [&](const std::string& of) {
    for (const char* s : {"/reward_mean", "/reward_min", "/reward_max"})
      cols.push_back(prefix + of + s);
  };
  for (const ResolvedPolicy& p : resolved.policies) add_reward("policy/" + p.id);
  for (const std::string& id : env.strategic_agent_ids()) add_reward("agent/" + id);
  for (const auto& m : options.metrics) cols.push_back(prefix + "metric/" + m.first);
  for (const std::string& k : options.custom_metrics) {
    for (const char* s : {"_mean", "_min", "_max"}) cols.push_back(prefix + "custom/" + k + s);
  }
}

void set_reward(CsvRow& row, const std::string& prefix, const Accumulator& a) {
  if (a.count == 0) return;  // no finished episode: empty cells
  row.set(prefix + "/reward_mean", a.mean());
  row.set(prefix + "/reward_min", a.min);
  row.set(prefix + "/reward_max", a.max);
}

// Episode returns pooled per policy, over its agents' finished episodes.
std::vector<Accumulator> per_policy_returns(const IterationStats& stats,
                                            const ResolvedPolicies& resolved) {
  std::vector<Accumulator> per_policy(resolved.policies.size());
  for (std::size_t pos = 0; pos < stats.returns.size(); ++pos) {
    per_policy[static_cast<std::size_t>(resolved.policy_of_position[pos])].merge(
        stats.returns[pos]);
  }
  return per_policy;
}

// The values of add_episode_columns's columns.
void episode_values(CsvRow& row, const std::string& prefix, const IterationStats& stats,
                    const ResolvedPolicies& resolved, const PhantomEnv& env,
                    const TrainOptions& options) {
  const std::vector<Accumulator> per_policy = per_policy_returns(stats, resolved);
  for (std::size_t p = 0; p < per_policy.size(); ++p)
    set_reward(row, prefix + "policy/" + resolved.policies[p].id, per_policy[p]);
  for (std::size_t pos = 0; pos < stats.returns.size(); ++pos)
    set_reward(row, prefix + "agent/" + env.strategic_agent_ids()[pos], stats.returns[pos]);
  for (std::size_t m = 0; m < options.metrics.size(); ++m)
    row.set(prefix + "metric/" + options.metrics[m].first, stats.metrics[m].mean());
  for (std::size_t k = 0; k < options.custom_metrics.size(); ++k) {
    const Accumulator& a = stats.custom_metrics[k];
    if (a.count == 0) continue;  // no episode reported it: empty cells
    const std::string name = prefix + "custom/" + options.custom_metrics[k];
    row.set(name + "_mean", a.mean()).set(name + "_min", a.min).set(name + "_max", a.max);
  }
}

// The CSV columns: counters, what episodes reported, the trainer's stats, then evaluation's.
std::vector<std::string> csv_columns(const ResolvedPolicies& resolved, const PhantomEnv& env,
                                     const TrainOptions& options,
                                     const std::vector<std::string>& stat_names,
                                     const Evaluator* evaluator) {
  std::vector<std::string> cols = {"iteration", "env_steps", "agent_steps", "episodes",
                                   "wall_seconds"};
  add_episode_columns(cols, "", resolved, env, options);
  for (const std::string& s : stat_names) cols.push_back(s);
  if (options.on_non_finite == NonFiniteAction::skip) cols.push_back("skipped_batches");
  if (evaluator) {
    const EvaluationOptions& e = evaluator->options();
    cols.push_back("evaluation/episodes");
    cols.push_back("evaluation/env_steps");
    if (e.ignore_worker_failures) cols.push_back("evaluation/failed_episodes");
    add_episode_columns(cols, "evaluation/", evaluator->resolved(), env, options);
    for (const std::string& name : e.custom_columns) {
      const std::string column = "evaluation/" + name;
      if (std::find(cols.begin(), cols.end(), column) != cols.end()) {
        throw ConfigError("EvaluationOptions: custom_columns entry '" + name +
                          "' would be column '" + column +
                          "', which the evaluation already reports; name it otherwise");
      }
      cols.push_back(column);
    }
  }
  return cols;
}

// The "evaluation/..." cells of an evaluation's result, as its row shows them.
std::map<std::string, std::string> evaluation_cells(const EvaluationResult& result,
                                                    const Evaluator& evaluator,
                                                    const PhantomEnv& env,
                                                    const TrainOptions& options) {
  const EvaluationOptions& e = evaluator.options();
  CsvRow cells;
  cells.set("evaluation/episodes", result.stats.episodes)
      .set("evaluation/env_steps", result.stats.env_steps);
  if (e.ignore_worker_failures) cells.set("evaluation/failed_episodes", result.failed_episodes);
  episode_values(cells, "evaluation/", result.stats, evaluator.resolved(), env, options);
  for (std::size_t k = 0; k < e.custom_columns.size(); ++k) {
    if (!std::isnan(result.custom[k]))
      cells.set("evaluation/" + e.custom_columns[k], result.custom[k]);
  }
  return cells.cells();
}

// Checkpoint entries holding the rollout workers' state (WorkerSet::save).
constexpr const char* kWorkers = "trainer.workers";

// Checkpoint entries holding the last evaluation's cells (always_attach), one per column.
constexpr const char* kLastEvaluation = "trainer.last_evaluation/";

constexpr const char* kTrainerSection = "[trainer]";

// The run's configuration, as text a reader (or a later run) can use: the trainer's options
// (which load() and resume() compare), the policy mapping and the env config.
std::string config_text(const std::string& kind, const TrainOptions& options,
                        const EnvConfig& env_config, const RecordedOptions& recorded) {
  std::string t = "# trainer: " + kind + "\n";
  t += "# iterations: " + std::to_string(options.iterations) + "\n";
  t += "# seed: " + std::to_string(options.seed) + "\n";
  if (options.num_workers > 0) {  // (a run without rollout workers writes what it always did)
    t += "# rollout workers: " + std::to_string(options.num_workers) + "\n";
  }
  t += "# policies to train:";
  for (const auto& p : options.policies_to_train) t += " " + p;
  t += "\n";
  if (!recorded.type.empty()) {
    t += std::string("\n") + kTrainerSection + "\n# " + recorded.type + "\n";
    for (const TrainerOption& o : recorded.options) t += o.name + " = " + o.value + "\n";
  }
  t += "\n[policies]\n" + options.policies.to_text() + "\n[env]\n";
  try {
    t += env_config.to_text();
  } catch (const ConfigError& e) {
    t += std::string("# not representable as text: ") + e.what() + "\n";
  }
  return t;
}

// The [trainer] section of the config.txt at `path`: each option's name and value text, and the
// options struct's name (the section's first comment) under the key "#". Nothing when the file
// or the section is missing (a run written before options were recorded). A line of the section
// that is not "name = value" is a FormatError naming the file and line.
std::optional<std::map<std::string, std::string>> read_trainer_section(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::optional<std::map<std::string, std::string>> section;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (!line.empty() && line[0] == '[') {
      if (section) break;  // the next section
      if (line == kTrainerSection) section.emplace();
      continue;
    }
    if (!section || line.empty()) continue;
    if (line[0] == '#') {
      const std::size_t name = line.find_first_not_of("# ");
      if (section->empty() && name != std::string::npos) (*section)["#"] = line.substr(name);
      continue;
    }
    const std::size_t eq = line.find(" = ");
    if (eq == std::string::npos || eq == 0) {
      throw FormatError("'" + path + "', line " + std::to_string(line_number) +
                        ": expected 'name = value' in section " + kTrainerSection + ", got '" +
                        line + "'");
    }
    (*section)[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return section;
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
  check_iterations(options);
  Prepared run = prepare(make_env, env_config, options);
  Progress start;
  std::optional<ResultsDir> dir;
  std::optional<CsvMetricsLogger> csv;
  if (!options.results_dir.empty()) {
    dir.emplace(ResultsDir::create(options.results_dir, options.experiment, options.seed));
    dir->write_config(config_text(kind_, options, env_config, recorded_options()));
    csv.emplace(dir->metrics_path(), run.columns);
  }
  return iterate(run, options, start, dir, csv);
}

TrainingResults Trainer::resume(const std::string& run_path, const EnvFactory& make_env,
                                const EnvConfig& env_config, const TrainOptions& options) {
  check_iterations(options);
  const std::string run_dir = ResultsDir::resolve(run_path);
  check_recorded_options(run_dir, "resume");
  Prepared run = prepare(make_env, env_config, options);
  std::optional<ResultsDir> dir(std::in_place, run_dir);
  nn::StateDict state = nn::load_state_dict(find_checkpoint(run_dir, std::nullopt, "resume"));
  Progress start;
  start.iteration =
      static_cast<int>(state.get_count("trainer.iteration", std::numeric_limits<int>::max()));
  start.env_steps = state.get_count("trainer.env_steps");
  start.agent_steps = state.get_count("trainer.agent_steps");
  start.wall_seconds = state.get_float("trainer.wall_seconds");
  const std::string last_evaluation = kLastEvaluation;
  for (const std::string& name : state.names()) {
    if (name.compare(0, last_evaluation.size(), last_evaluation) != 0) continue;
    const std::string column = name.substr(last_evaluation.size());
    if (std::find(run.columns.begin(), run.columns.end(), column) == run.columns.end()) {
      throw FormatError(state.source() + ": entry '" + name + "' names column '" + column +
                        "', which this run's metrics do not have");
    }
    start.last_evaluation[column] = state.get_string(name);
  }
  workers().restore(state, kWorkers);  // first: it names a different num_workers
  load_state(state);
  if (offline_) offline_->load(state, "trainer.offline");
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
  check_recorded_options(run_dir, "load");
  TrainOptions without_input = options;  // loading reads no experience
  without_input.input = {};
  Prepared run = prepare(make_env, env_config, without_input);
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

void Trainer::check_recorded_options(const std::string& run_dir, const char* what) const {
  const std::string config = ResultsDir(run_dir).config_path();
  const std::optional<std::map<std::string, std::string>> run = read_trainer_section(config);
  if (!run) return;
  const RecordedOptions mine = recorded_options();
  const auto type = run->find("#");
  if (!mine.type.empty() && type != run->end() && type->second != mine.type) {
    throw ConfigError(std::string(what) + ": the run in " + run_dir +
                      " was trained by a trainer of " + type->second + ", not of " + mine.type +
                      " (" + config + " records the run's options); use that trainer");
  }
  const bool resuming = std::string(what) == "resume";
  for (const TrainerOption& o : mine.options) {
    const bool needed = o.needed == TrainerOption::Needed::kToLoad ||
                        (resuming && o.needed == TrainerOption::Needed::kToResume);
    const auto recorded = run->find(o.name);
    // An option the run did not record is one added since; nothing to compare it with.
    if (!needed || recorded == run->end() || recorded->second == o.value) continue;
    throw ConfigError(std::string(what) + ": the run in " + run_dir + " was trained with " +
                      mine.type + "::" + o.name + " = " + recorded->second +
                      ", but this trainer has " + o.value + "; set " + mine.type + "::" + o.name +
                      " to " + recorded->second + " (" + config + " records the run's options)");
  }
}

void Trainer::check_iterations(const TrainOptions& options) const {
  // A run of no iterations would train nothing and save no checkpoint, so that loading it later
  // fails far from the cause ("no checkpoint").
  if (options.iterations < 1) {
    throw ConfigError(kind_ + " trainer: iterations = " + std::to_string(options.iterations) +
                      ", expected >= 1 (the run's total number of iterations)");
  }
}

Trainer::Prepared Trainer::prepare(const EnvFactory& make_env, const EnvConfig& env_config,
                                   const TrainOptions& options) {
  if (options.policies_to_train.empty()) {
    throw ConfigError(kind_ +
                      " trainer: policies_to_train is empty; name at least one policy "
                      "of kind '" +
                      kind_ + "' to train");
  }
  if (options.checkpoint_every < 0) {
    throw ConfigError(kind_ +
                      " trainer: checkpoint_every = " + std::to_string(options.checkpoint_every) +
                      ", expected >= 0 (0: only at the end)");
  }
  check_worker_options(options.num_workers, options.worker_threads, kind_ + " trainer");
  if (options.num_workers > 0 && options.input.active()) {
    throw ConfigError(
        kind_ + " trainer: TrainOptions::num_workers = " + std::to_string(options.num_workers) +
        " with offline input (TrainOptions::input): offline input reads through "
        "the local worker only; set num_workers = 0");
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
  evaluator_.reset();
  if (options.evaluation.interval > 0) {
    evaluator_ = std::make_unique<Evaluator>(options.evaluation, make_env, *run.probe, env_config,
                                             run.results.policies, options.policies,
                                             worker().options(), options.evaluation_workers);
  }
  run.columns = csv_columns(run.resolved, *run.probe, options, stat_names(), evaluator_.get());
  // Offline input: its statistics are columns like the trainer's own.
  offline_.reset();
  if (options.input.active()) {
    offline_ = std::make_unique<OfflineSession>(options.input, options.seed, worker(), discount(),
                                                learned_columns(), kind_ + " trainer");
    for (const std::string& c : offline_->columns()) run.columns.push_back(c);
  }
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

  std::optional<TensorBoardLog> tensorboard;
  if (!options.tensorboard_dir.empty()) {
    tensorboard.emplace(options.tensorboard_dir, run.columns);
    if (start.iteration > 0) tensorboard->resumed_after(start.env_steps);
  }

  IterationStats stats;
  // The last evaluation's cells, which always_attach repeats in the rows between evaluations.
  std::map<std::string, std::string> last_evaluation = start.last_evaluation;
  for (int it = start.iteration; it < options.iterations; ++it) {
    stats.reset(static_cast<std::size_t>(probe->num_strategic()), options.metrics.size(),
                options.custom_metrics.size());
    // Evaluation, sequential: after the update it evaluates; parallel: during it, with the
    // weights from before. Either way before the result is reported.
    const bool evaluated = evaluator_ && evaluator_->due(it);
    const bool parallel = evaluated && evaluator_->options().parallel_to_training;
    auto start_evaluation = [&] {
      if (options.callbacks) options.callbacks->on_evaluate_start(*this);
      evaluator_->start(it, worker(), stats);
    };
    if (parallel) start_evaluation();
    try {
      training_step(it, stats);
    } catch (const TrainingError& e) {
      if (parallel) evaluator_->abandon();
      // Before this iteration's row and checkpoint: the newest checkpoint is the last good one.
      throw TrainingError(kind_ + " trainer: iteration " + std::to_string(it + 1) + ": " +
                          e.what());
    } catch (...) {
      if (parallel) evaluator_->abandon();
      throw;
    }
    if (options.on_non_finite == NonFiniteAction::skip) {
      stats.set_stat("skipped_batches", static_cast<double>(worker().take_skipped_batches()));
    }
    EvaluationResult* evaluation = nullptr;
    if (evaluated) {
      if (!parallel) start_evaluation();
      evaluation = &evaluator_->finish();
      if (options.callbacks) options.callbacks->on_evaluate_end(*this, evaluation->stats);
      last_evaluation = evaluation_cells(*evaluation, *evaluator_, *probe, options);
    }
    if (options.callbacks) options.callbacks->on_train_result(*this, stats);
    env_steps += stats.env_steps;
    agent_steps += stats.agent_steps;

    const std::vector<Accumulator> per_policy = per_policy_returns(stats, resolved);
    if (csv || tensorboard) {
      CsvRow row;
      row.set("iteration", it + 1)
          .set("env_steps", env_steps)
          .set("agent_steps", agent_steps)
          .set("episodes", stats.episodes)
          .set("wall_seconds", wall_seconds());
      episode_values(row, "", stats, resolved, *probe, options);
      if (evaluated || (evaluator_ && evaluator_->options().always_attach)) {
        for (const auto& [column, text] : last_evaluation) row.set_text(column, text);
      }
      for (const auto& kv : stats.stats())
        if (!std::isnan(kv.second)) row.set(kv.first, kv.second);
      if (csv) csv->write_row(row);
      if (tensorboard) tensorboard->write(row, stats.returns, env_steps);
    }
    if (progress) {
      const double reward = per_policy[static_cast<std::size_t>(first_trained)].mean();
      std::string fields = std::isnan(reward) ? std::string() : progress_field("reward", reward);
      if (evaluated) {
        const int evaluated_policy =
            evaluator_->resolved().index_of(options.policies_to_train.front());
        const double eval_reward =
            evaluated_policy < 0
                ? std::numeric_limits<double>::quiet_NaN()
                : per_policy_returns(
                      evaluation->stats,
                      evaluator_->resolved())[static_cast<std::size_t>(evaluated_policy)]
                      .mean();
        if (!std::isnan(eval_reward)) fields += "  " + progress_field("eval", eval_reward);
      }
      progress->update(it + 1, fields);
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
      for (const auto& [column, text] : last_evaluation)
        state.set_string(kLastEvaluation + column, text);
      save_state(state);
      // The rollout workers' sub-envs, filters and generators (nothing without any, so a run
      // without rollout workers writes what it always wrote).
      if (workers_->num_workers() > 0) workers_->save(state, kWorkers);
      if (offline_) offline_->save(state, "trainer.offline");
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

RolloutWorker& Trainer::make_worker(const Setup& s, RolloutWorkerOptions w,
                                    const OwnPolicyFactory& own_policy) {
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
  w.on_non_finite = run.on_non_finite;
  w.num_workers = run.num_workers;
  // The policies were built for the first env's agents: every sub-env must have them.
  const EnvFactory make_env = *s.make_env;
  auto first = std::make_shared<const EnvSignature>(*s.first_env);
  const std::string who = kind_ + " trainer";
  WorkerEnvFactory checked_env = [make_env, first, who](const EnvContext& ctx) {
    std::unique_ptr<PhantomEnv> env = make_env(ctx.config);
    const std::string worker =
        ctx.worker_index > 0 ? "rollout worker " + std::to_string(ctx.worker_index) + ", " : "";
    if (env) first->check(*env, who, worker + "sub-env " + std::to_string(ctx.vector_index));
    return env;
  };
  auto local = std::make_unique<RolloutWorker>(checked_env, policies, run.policies, w);
  // Rollout worker i: the same options under its own index (so its own seeds), and policies of
  // its own, built as the learner's were.
  RolloutWorkerFactory make_rollout_worker = [&](int index) {
    std::vector<std::shared_ptr<Policy>> own =
        create_registered_policies(*s.resolved, run.registry);
    PolicyMap mine;
    for (std::size_t p = 0; p < s.resolved->policies.size(); ++p) {
      if (!own[p]) own[p] = own_policy(p);
      mine[s.resolved->policies[p].id] = own[p];
    }
    RolloutWorkerOptions o = w;
    o.worker_index = index;
    return std::make_unique<RolloutWorker>(checked_env, std::move(mine), run.policies,
                                           std::move(o));
  };
  if (run.worker_set) {
    workers_ =
        run.worker_set(std::move(local), run.num_workers, make_rollout_worker, run.worker_threads);
    if (!workers_) throw ConfigError(kind_ + " trainer: TrainOptions::worker_set returned null");
  } else {
    workers_ = std::make_unique<LocalWorkerSet>(std::move(local), run.num_workers,
                                                make_rollout_worker, run.worker_threads);
  }
  return workers_->local_worker();
}

RolloutWorker& Trainer::worker() const {
  return workers().local_worker();
}

WorkerSet& Trainer::workers() const {
  if (!workers_) {
    throw ConfigError(kind_ + " trainer: it has no rollout worker before train() sets it up");
  }
  return *workers_;
}

void Trainer::sync_workers(const IterationStats& stats) {
  GlobalVars vars = worker().global_vars();
  vars.timestep += stats.env_steps;
  workers().sync_weights(vars);
  workers().sync_filters();
}

// ---- Offline input ----

MultiAgentBatch& Trainer::next_batch(int count) {
  return offline_ ? offline_->next() : workers().sample(count);
}

void Trainer::collect_stats(IterationStats& stats) {
  if (offline_) {
    offline_->collect_stats(stats);
  } else {
    workers().collect_stats(stats);
  }
}

void Trainer::foreach_env(const std::function<void(PhantomEnv&)>& f) {
  workers().foreach_env([&f](PhantomEnv& env, int, int) { f(env); });
}

}  // namespace phantom
