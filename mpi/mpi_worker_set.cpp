// MpiWorkerSet: rank 0's side of training over ranks (mpi/mpi_worker_set.hpp).
#include "mpi/mpi_worker_set.hpp"

#include <algorithm>
#include <utility>

#include "mpi/error.hpp"
#include "mpi/worker_placement.hpp"
#include "mpi/worker_protocol.hpp"
#include "nn/error.hpp"
#include "trainers/sampling/worker_messages.hpp"

namespace phantom::mpi {

namespace {

// The ranks that hold a worker among the first `workers`, ascending.
std::vector<int> ranks_of_first(int workers, int ranks) {
  std::vector<int> out;
  for (int r = 1; r < ranks; ++r) {
    if (r <= workers) out.push_back(r);  // rank r holds worker r first
  }
  return out;
}

}  // namespace

MpiWorkerSet::MpiWorkerSet(const RequestChannel& channel, std::unique_ptr<RolloutWorker> local,
                           int num_workers, const Trainer& trainer)
    : channel_(channel),
      comm_(channel.comm()),
      local_(std::move(local)),
      num_workers_(num_workers),
      trainer_(trainer) {
  if (comm_.size() < 2) {
    throw ConfigError(
        "MpiWorkerSet: the communicator has 1 rank; rollout workers need ranks "
        "besides rank 0 (with one rank, use a LocalWorkerSet)");
  }
  if (!local_) throw ConfigError("MpiWorkerSet: the local worker is null");
  check_worker_options(num_workers, 1, "MpiWorkerSet");
  // Every other rank reports once, with the workers it built (or why it could not).
  std::vector<int> all;
  for (int r = 1; r < comm_.size(); ++r) all.push_back(r);
  channel_.take(all, [&](const Message& m, const std::string& source) {
    if (m.kind != MessageKind::workers_ready) {
      throw FormatError(source + ": a " + kind_name(m.kind) + " message, expected workers_ready");
    }
    const int rank = static_cast<int>(m.body.get_int("rank"));
    const std::vector<int> expected = workers_of_rank(rank, num_workers_, comm_.size());
    const std::vector<int64_t> built = m.body.get_int64s("workers");
    if (!std::equal(built.begin(), built.end(), expected.begin(), expected.end())) {
      throw FormatError(source + ": it built other workers than rank " + std::to_string(rank) +
                        " holds with " + std::to_string(num_workers_) + " workers on " +
                        std::to_string(comm_.size()) +
                        " ranks (does every rank run the same program with the same options?)");
    }
  });
  batches_.resize(static_cast<std::size_t>(num_workers_));
  // The rollout workers built their policies afresh: they start from the learner's weights.
  if (num_workers_ > 0) sync_weights(local_->global_vars());
}

MpiWorkerSet::~MpiWorkerSet() = default;

std::string MpiWorkerSet::worker_name(int index) const {
  return "rollout worker " + std::to_string(index) + " on rank " +
         std::to_string(rank_of_worker(index, comm_.size()));
}

std::vector<nn::StateDict> MpiWorkerSet::ask(MessageKind kind, const nn::StateDict& body,
                                             int workers) const {
  return channel_.ask(kind, body, ranks_of_first(workers, comm_.size()));
}

void MpiWorkerSet::tell(MessageKind kind, const nn::StateDict& body) const {
  channel_.tell(kind, body, ranks_of_first(num_workers_, comm_.size()));
}

const nn::StateDict& MpiWorkerSet::answer_of(const std::vector<nn::StateDict>& answers,
                                             int index) const {
  return answers[static_cast<std::size_t>(rank_of_worker(index, comm_.size()))];
}

void MpiWorkerSet::sync_weights(const std::optional<GlobalVars>& vars) {
  if (vars) local_->set_global_vars(*vars);
  if (num_workers_ == 0) return;
  nn::StateDict body;
  set_bytes(body, "weights", encode_weights({local_->get_weights(), vars}));
  tell(MessageKind::set_weights, body);
}

MultiAgentBatch& MpiWorkerSet::sample(int count) {
  if (num_workers_ == 0) return local_->sample();
  if (count < 0 || count > num_workers_) count = num_workers_;
  nn::StateDict state;
  trainer_.save_sampling_state(state);
  nn::StateDict body;
  body.set_int("count", count);
  set_bytes(body, "sampling_state", nn::encode_state_dict(state));
  const std::vector<nn::StateDict> answers = ask(MessageKind::sample, body, count);
  std::vector<const MultiAgentBatch*> parts;
  for (int i = 1; i <= count; ++i) {
    const std::string& bytes = answer_of(answers, i).get_string(worker_entry("batch", i));
    MultiAgentBatch& b = batches_[static_cast<std::size_t>(i - 1)];
    b = decode_batch(bytes.data(), bytes.size(), "the batch of " + worker_name(i));
    parts.push_back(&b);
  }
  batch_ = MultiAgentBatch::concat(parts);
  return batch_;
}

void MpiWorkerSet::collect_stats(IterationStats& stats) {
  if (num_workers_ == 0) {
    local_->collect_stats(stats);
    return;
  }
  const std::vector<nn::StateDict> answers = ask(MessageKind::collect_stats, {}, num_workers_);
  for (int i = 1; i <= num_workers_; ++i) {
    const nn::StateDict& a = answer_of(answers, i);
    const std::string p = worker_entry("stats", i);
    for (int64_t k = 0, n = a.get_count(p + ".parts", 1 << 20); k < n; ++k) {
      const std::string& bytes = a.get_string(p + "." + std::to_string(k));
      stats.merge(
          decode_metrics(bytes.data(), bytes.size(), "the statistics of " + worker_name(i)).stats);
    }
  }
}

std::vector<EpisodeRecord> MpiWorkerSet::get_metrics() {
  if (num_workers_ == 0) return local_->get_metrics();
  const std::vector<nn::StateDict> answers = ask(MessageKind::get_metrics, {}, num_workers_);
  std::vector<EpisodeRecord> out;
  for (int i = 1; i <= num_workers_; ++i) {
    const std::string& bytes = answer_of(answers, i).get_string(worker_entry("records", i));
    for (EpisodeRecord& r :
         decode_metrics(bytes.data(), bytes.size(), "the episodes of " + worker_name(i)).episodes) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

void MpiWorkerSet::sync_filters() {
  // Every worker was built with the learner's options, so its filters are of the same kinds:
  // with only NoFilters there is nothing to merge (synchronize_filters' rule).
  if (num_workers_ == 0 || local_->filters().only_no_filters()) return;
  const std::vector<nn::StateDict> answers = ask(MessageKind::filter_deltas, {}, num_workers_);
  FilterSet& driver = local_->filters();
  for (int i = 1; i <= num_workers_; ++i) {
    const std::string& bytes = answer_of(answers, i).get_string(worker_entry("filters", i));
    driver.apply_changes(
        decode_filters(bytes.data(), bytes.size(), "the filters of " + worker_name(i), driver),
        false);
  }
  nn::StateDict body;
  set_bytes(body, "filters", encode_filters(driver.snapshot(false)));
  tell(MessageKind::set_filters, body);
}

void MpiWorkerSet::foreach_worker(const std::function<void(RolloutWorker&)>& f) {
  if (num_workers_ > 0) {
    throw ConfigError(
        "MpiWorkerSet: foreach_worker (or foreach_env, Trainer::foreach_env) cannot run a "
        "function on rollout workers 1.." +
        std::to_string(num_workers_) + ", which live on ranks 1.." +
        std::to_string(std::min(num_workers_, comm_.size() - 1)) +
        " (a function cannot be sent to another process); run the rollout workers in process "
        "(one rank) to change their envs from a callback");
  }
  f(*local_);
}

void MpiWorkerSet::set_explore(const std::vector<std::string>& policy_ids, bool explore) {
  set_worker_explore(*local_, policy_ids, explore);
  if (num_workers_ == 0) return;
  nn::StateDict body;
  body.set_int("policies", static_cast<int64_t>(policy_ids.size()));
  for (std::size_t k = 0; k < policy_ids.size(); ++k) {
    body.set_string("policy." + std::to_string(k), policy_ids[k]);
  }
  body.set_int("explore", explore ? 1 : 0);
  tell(MessageKind::set_explore, body);
}

void MpiWorkerSet::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".count", num_workers_);
  if (num_workers_ == 0) return;
  nn::StateDict body;
  body.set_string("prefix", prefix);
  const std::vector<nn::StateDict> answers = ask(MessageKind::save_workers, body, num_workers_);
  for (int i = 1; i <= num_workers_; ++i) {
    const std::string& bytes = answer_of(answers, i).get_string(worker_entry("state", i));
    out.append(
        nn::decode_state_dict(bytes.data(), bytes.size(), "the checkpoint of " + worker_name(i)));
  }
}

void MpiWorkerSet::restore(const nn::StateDict& in, const std::string& prefix) {
  check_saved_worker_count(in, prefix, num_workers_);
  if (num_workers_ == 0) return;
  nn::StateDict body;
  body.set_string("prefix", prefix);
  body.set_string("source", in.source());
  set_bytes(body, "checkpoint", nn::encode_state_dict(in));
  ask(MessageKind::restore_workers, body, num_workers_);
}

}  // namespace phantom::mpi
