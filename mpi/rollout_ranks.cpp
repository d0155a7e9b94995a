// run_over_ranks: rank 0 coordinates and streams; the other ranks run their messages and send
// them. The protocol, message by message (tags on the communicator's private copy):
//
//   worker rank w                                   rank 0
//   for each of its messages m (m % size == w):     for each message m in order:
//     wait while `window` sends are unmatched         own: run it, or take it if run ahead
//     run it; Issend rollouts (or failure), tag 1     else: receive m from m % size, tag 1
//   wait for rank 0's word, tag 2:                         (meanwhile run own messages ahead)
//     finish: done                                    failure or error: stop every worker
//     stop: send stopped (tag 1), wait for sends,     all done: send finish to every worker
//           throw RankFailure
//
// Rank 0 stops workers by sending each a stop, then receiving (and discarding) every message
// from that worker until its `stopped`: MPI delivers one sender's messages in the order they
// were sent, so by then every send the worker started has been matched and none waits.
#include "mpi/rollout_ranks.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/progress_bar.hpp"
#include "mpi/error.hpp"
#include "mpi/message.hpp"
#include "mpi/polling.hpp"
#include "mpi/rollout_codec.hpp"

namespace phantom::mpi {

namespace {

constexpr int kResultTag = 1;   // worker -> rank 0: rollouts, failure, stopped
constexpr int kControlTag = 2;  // rank 0 -> worker: finish, stop
// A control message is small: the stop's reason is cut to kMaxReason bytes, well within the
// receive buffer a worker posts for it.
constexpr std::size_t kMaxReason = 16 * 1024;
constexpr std::size_t kControlCapacity = 64 * 1024;

// The sweep's messages: which rollouts each holds and which rank runs it.
struct Plan {
  std::size_t total = 0, per = 0, messages = 0, window = 0;
  int ranks = 1;
  std::size_t first(std::size_t m) const { return m * per; }
  std::size_t count(std::size_t m) const { return std::min(per, total - m * per); }
  int owner(std::size_t m) const { return static_cast<int>(m % static_cast<std::size_t>(ranks)); }
};

Bytes stop_message(int failed_rank, const std::string& reason) {
  nn::StateDict body;
  body.set_int("rank", failed_rank);
  body.set_string("error", reason.substr(0, kMaxReason));
  return encode_message(MessageKind::stop, 0, body);
}

// ---- Rank 0 ----

class Coordinator {
 public:
  Coordinator(const Communicator& comm, RolloutRunner& runner, const RolloutSink& sink, Plan plan)
      : comm_(comm), runner_(runner), sink_(sink), plan_(plan) {}

  void run() {
    const RolloutOptions& o = runner_.options();
    if (o.show_progress) {
      ProgressOptions po;
      po.unit = "episodes";
      progress_.emplace(static_cast<int64_t>(plan_.total), "rollouts",
                        o.progress_out ? *o.progress_out : std::cerr, po);
    }
    int failed_rank = 0;
    std::string reason;
    try {
      for (std::size_t m = 0; m < plan_.messages; ++m) {
        if (plan_.owner(m) == 0) {
          deliver_own(m);
        } else if (!deliver_remote(m, failed_rank, reason)) {
          break;
        }
        if (progress_) progress_->update(static_cast<int64_t>(plan_.first(m) + plan_.count(m)));
      }
    } catch (const RolloutFailure& e) {  // one of rank 0's own rollouts
      failed_rank = 0;
      reason = "rank 0 failed: " + std::string(e.what());
    } catch (const std::exception& e) {  // the sink, or a message rank 0 could not read
      stop_workers(0, "rank 0 failed: " + std::string(e.what()));
      throw;
    }
    if (!reason.empty()) {
      stop_workers(failed_rank, reason);
      throw RankFailure(failed_rank, reason);
    }
    if (progress_) progress_->finish();
    std::vector<Request> sent;
    for (int r = 1; r < plan_.ranks; ++r) {
      sent.push_back(comm_.issend(encode_message(MessageKind::finish, 0, {}), r, kControlTag));
    }
    for (Request& request : sent) request.wait();
  }

 private:
  // Rank 0's message m: run ahead earlier, or run now straight into the sink.
  void deliver_own(std::size_t m) {
    if (!ahead_.empty()) {
      Ahead done = std::move(ahead_.front());
      ahead_.pop_front();
      for (const Rollout& r : done.rollouts) sink_(r);
      if (done.error) std::rethrow_exception(done.error);
      return;
    }
    runner_.run_range(plan_.first(m), plan_.count(m), sink_);
    next_own_ = m + static_cast<std::size_t>(plan_.ranks);
  }

  // Message m from its rank; while it has not arrived, rank 0 runs its own next messages (at
  // most `window` ahead). Returns false, with the rank and reason, if the message is a failure.
  bool deliver_remote(std::size_t m, int& failed_rank, std::string& reason) {
    const int from = plan_.owner(m);
    std::optional<Bytes> bytes = comm_.try_recv(from, kResultTag);
    while (!bytes && next_own_ < plan_.messages && ahead_.size() < plan_.window &&
           (ahead_.empty() || !ahead_.back().error)) {
      // A failure is kept with the message and raised when the sink reaches it, so the failure
      // reported is always the first one in rollout order, however the ranks' timing went.
      Ahead& kept = ahead_.emplace_back();
      try {
        runner_.run_range(plan_.first(next_own_), plan_.count(next_own_),
                          [&](const Rollout& r) { kept.rollouts.push_back(r); });
      } catch (...) {
        kept.error = std::current_exception();
      }
      next_own_ += static_cast<std::size_t>(plan_.ranks);
      bytes = comm_.try_recv(from, kResultTag);
    }
    if (!bytes) wait_until([&] { return bool(bytes = comm_.try_recv(from, kResultTag)); });
    const std::string source =
        "message " + std::to_string(m) + " from rank " + std::to_string(from);
    Message message = decode_message(bytes->data(), bytes->size(), source);
    if (message.kind == MessageKind::failure) {
      failed_rank = from;
      reason = "rank " + std::to_string(from) + " failed: " + message.body.get_string("error");
      return false;
    }
    if (message.kind != MessageKind::rollouts || message.sequence != m) {
      throw FormatError(source + ": a " + kind_name(message.kind) + " message for message " +
                        std::to_string(message.sequence) + ", expected the rollouts of message " +
                        std::to_string(m));
    }
    const std::size_t count = plan_.count(m);
    RolloutUnpacker unpacker(message.body);
    if (unpacker.size() != count) {
      throw FormatError(source + ": " + std::to_string(unpacker.size()) + " rollouts, expected " +
                        std::to_string(count));
    }
    const auto repeats = static_cast<std::size_t>(runner_.options().num_repeats);
    for (std::size_t k = 0; k < count; ++k) {
      Rollout& r = received_;  // its buffers are reused from rollout to rollout
      unpacker.next(r);
      const std::size_t id = plan_.first(m) + k;
      if (r.rollout_id != static_cast<int64_t>(id)) {
        throw FormatError(source + ": rollout " + std::to_string(r.rollout_id) + " at place " +
                          std::to_string(k) + ", expected rollout " + std::to_string(id));
      }
      r.env_config = runner_.config_at(id / repeats);
      sink_(r);
    }
    return true;
  }

  // Tells every worker to stop, then takes every message each still sends until its `stopped`.
  void stop_workers(int failed_rank, const std::string& reason) {
    std::vector<Request> sent;
    for (int r = 1; r < plan_.ranks; ++r) {
      sent.push_back(comm_.issend(stop_message(failed_rank, reason), r, kControlTag));
    }
    for (int r = 1; r < plan_.ranks; ++r) {
      for (;;) {
        Bytes bytes = comm_.recv(r, kResultTag);
        if (bytes.size() >= kMessageHeaderBytes &&
            decode_message(bytes.data(), bytes.size(), "rank " + std::to_string(r)).kind ==
                MessageKind::stopped) {
          break;
        }
      }
    }
    for (Request& request : sent) request.wait();
  }

  const Communicator& comm_;
  RolloutRunner& runner_;
  const RolloutSink& sink_;
  const Plan plan_;
  std::optional<ProgressBar> progress_;
  Rollout received_;  // the rollout of another rank the sink is given
  // One of rank 0's messages run ahead of the sink: its rollouts, or those before its failure.
  struct Ahead {
    std::vector<Rollout> rollouts;
    std::exception_ptr error;
  };
  std::deque<Ahead> ahead_;   // own messages run ahead, in order
  std::size_t next_own_ = 0;  // the first own message not yet run
};

// ---- The other ranks ----

class Worker {
 public:
  Worker(const Communicator& comm, RolloutRunner& runner, Plan plan)
      : comm_(comm), runner_(runner), plan_(plan) {}

  void run() {
    Request control = comm_.irecv(kControlCapacity, 0, kControlTag);
    const auto ranks = static_cast<std::size_t>(plan_.ranks);
    for (std::size_t m = static_cast<std::size_t>(comm_.rank()); m < plan_.messages; m += ranks) {
      if (control.test()) break;  // only a stop can come before every message was sent
      if (pending_.size() >= plan_.window) {
        bool stopped = false;
        wait_until([&] { return (stopped = control.test()) || pending_.front().test(); });
        if (stopped) break;
        pending_.pop_front();
      }
      bool failed = false;
      pending_.push_back(comm_.issend(run_message(m, failed), 0, kResultTag));
      if (failed) break;
      progress();
    }
    wait_until([&] { return control.test(); });
    Message word = decode_message(control.data().data(), control.data().size(),
                                  "rank 0's word to rank " + std::to_string(comm_.rank()));
    if (word.kind == MessageKind::stop) {
      comm_.send(encode_message(MessageKind::stopped, 0, {}), 0, kResultTag);
      for (Request& request : pending_) request.wait();
      throw RankFailure(static_cast<int>(word.body.get_int("rank")), word.body.get_string("error"));
    }
    for (Request& request : pending_) request.wait();
  }

 private:
  // The bytes of message m: its rollouts, or the failure that stopped them.
  Bytes run_message(std::size_t m, bool& failed) {
    try {
      RolloutPacker packer;
      runner_.run_range(plan_.first(m), plan_.count(m), [&](const Rollout& r) {
        packer.add(r);
        progress();
      });
      nn::StateDict body;
      packer.put(body);
      return encode_message(MessageKind::rollouts, m, body);
    } catch (const RolloutFailure& e) {
      failed = true;
      nn::StateDict failure;
      failure.set_int("rank", comm_.rank());
      failure.set_int("rollout_id", static_cast<int64_t>(e.rollout_id()));
      int64_t seed_bits;
      const uint64_t seed = e.seed();
      std::memcpy(&seed_bits, &seed, 8);
      failure.set_int("seed", seed_bits);
      failure.set_string("error", e.what());
      return encode_message(MessageKind::failure, m, failure);
    } catch (const std::exception& e) {
      failed = true;
      nn::StateDict failure;
      failure.set_int("rank", comm_.rank());
      failure.set_string("error", e.what());
      return encode_message(MessageKind::failure, m, failure);
    }
  }

  // Lets MPI move the data of the sends under way, and forgets those that are complete. A large
  // message travels in pieces that the sender's MPI library hands over only while the sender
  // calls into it: without this, rank 0 would wait in its receive for as long as this rank
  // runs its next message. Called between rollouts (the runner calls the sink on this thread).
  void progress() {
    while (!pending_.empty() && pending_.front().test()) pending_.pop_front();
  }

  const Communicator& comm_;
  RolloutRunner& runner_;
  const Plan plan_;
  std::deque<Request> pending_;  // sends rank 0 has not matched yet, oldest first
};

}  // namespace

void run_over_ranks(const Communicator& comm, RolloutRunner& runner, const RolloutSink& sink,
                    const RankOptions& options) {
  if (options.rollouts_per_message < 1 || options.window < 1) {
    throw ConfigError(
        "run_over_ranks: rollouts_per_message = " + std::to_string(options.rollouts_per_message) +
        " and window = " + std::to_string(options.window) + ", expected both >= 1");
  }
  Plan plan;
  plan.total = runner.size();
  plan.per = static_cast<std::size_t>(options.rollouts_per_message);
  plan.messages = (plan.total + plan.per - 1) / plan.per;
  plan.window = static_cast<std::size_t>(options.window);
  plan.ranks = comm.size();
  if (comm.rank() == 0) {
    Coordinator(comm, runner, sink, plan).run();
  } else {
    Worker(comm, runner, plan).run();
  }
}

}  // namespace phantom::mpi
