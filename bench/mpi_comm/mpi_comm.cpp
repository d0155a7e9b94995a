// mpi_comm: what one training iteration's messages cost over MPI, measured with the project's
// communicator and worker-message encoders, and a model of that cost for more ranks.
//
//   mpirun --oversubscribe --allow-run-as-root -np 2 ./build/bench/mpi_comm/mpi_comm
//
// Training with rollout workers in other processes (trainers/sampling/worker_set.hpp) would, per
// iteration, broadcast the learner's weights with the global vars and its merged filters from
// rank 0, then gather every worker's batch, statistics and filter delta at rank 0, in worker
// order. This program sends exactly those messages (payloads.hpp: taken from the supply-chain
// PPO trainer, plus the weights of a 32-256-256-8 network) and reports per message the median
// over --iterations of
//   encode  encoding on the sender (rank 0 for a broadcast; the slowest worker for a gather),
//   wire    the Communicator call (broadcast or gather), from a barrier to the slowest rank's end
//           (and the fastest round: on a loaded machine a rank preempted mid-call adds a time
//           slice to some rounds),
//   decode  decoding on the receivers: the slowest worker for a broadcast; for a gather, all the
//           workers' messages one after the other at rank 0 (the total, and per message).
// Then a sweep of ping-pong (rank 0 <-> 1, half the round trip) and broadcast times over message
// sizes from 1 KiB to 16 MiB, the fit of alpha + beta * bytes to the ping-pong (cost_model.hpp),
// and the model's iteration cost for 2 to 64 ranks. Everything measured is printed as measured;
// the lines after "model" are computed from the fit and the measured encode/decode times.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "command_line.hpp"
#include "cost_model.hpp"
#include "mpi/communicator.hpp"
#include "mpi/error.hpp"
#include "mpi/session.hpp"
#include "payloads.hpp"

namespace {

using phantom::mpi::Bytes;
using phantom::mpi::Communicator;
using Clock = std::chrono::steady_clock;

// The command line's settings (main() lists them with their meaning).
struct Settings {
  int iterations = 30, warmup = 3, train_iterations = 12, samples = 10, sweep_reps = 20;
};

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

// The largest of every rank's `mine`, on every rank.
double slowest(const Communicator& comm, double mine) {
  double out = 0;
  phantom::mpi::check_call(MPI_Allreduce(&mine, &out, 1, MPI_DOUBLE, MPI_MAX, comm.native()),
                           "MPI_Allreduce", comm.rank());
  return out;
}

// A barrier that sleeps while it waits (MPI's own waits poll, taking a core from the rank that
// is working: this machine has fewer cores than the job has ranks).
void quiet_barrier(const Communicator& comm) {
  MPI_Request request = MPI_REQUEST_NULL;
  phantom::mpi::check_call(MPI_Ibarrier(comm.native(), &request), "MPI_Ibarrier", comm.rank());
  for (int done = 0;;) {
    phantom::mpi::check_call(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test", comm.rank());
    if (done) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// One message's medians (microseconds) and size.
struct Row {
  std::string name;
  std::size_t bytes = 0;
  double encode = 0, wire = 0, decode = 0;
  double wire_min = 0;  // the fastest round: the wire without the load's interruptions
};

// A message's row from its timed rounds: the medians, and the fastest round on the wire.
void summarise(const std::vector<double>& enc, const std::vector<double>& wire,
               const std::vector<double>& dec, Row& row) {
  row.encode = median(enc);
  row.wire = median(wire);
  row.wire_min = *std::min_element(wire.begin(), wire.end());
  row.decode = median(dec);
}

// Times `iterations` rounds of: rank 0 encodes, broadcasts, every worker decodes.
Row time_broadcast(const Communicator& comm, const Settings& s, const std::string& name,
                   const std::function<Bytes()>& encode,
                   const std::function<void(const Bytes&)>& decode) {
  std::vector<double> enc, wire, dec;
  Row row;
  row.name = name;
  for (int it = 0; it < s.warmup + s.iterations; ++it) {
    Bytes bytes;
    double e = 0, d = 0;
    if (comm.rank() == 0) {
      const auto start = Clock::now();
      bytes = encode();
      e = micros_since(start);
      row.bytes = bytes.size();
    }
    comm.barrier();
    const auto start = Clock::now();
    comm.broadcast(bytes, 0);
    const double w = slowest(comm, micros_since(start));
    if (comm.rank() != 0) {
      const auto decode_start = Clock::now();
      decode(bytes);
      d = micros_since(decode_start);
    }
    d = slowest(comm, d);
    if (it < s.warmup) continue;
    enc.push_back(e);
    wire.push_back(w);
    dec.push_back(d);
  }
  summarise(enc, wire, dec, row);
  return row;
}

// Times `iterations` rounds of: every worker encodes, rank 0 gathers, then decodes the workers'
// messages in worker order. decode is the total at rank 0.
Row time_gather(const Communicator& comm, const Settings& s, const std::string& name,
                const std::function<Bytes()>& encode,
                const std::function<void(const Bytes&, int worker)>& decode) {
  std::vector<double> enc, wire, dec;
  Row row;
  row.name = name;
  for (int it = 0; it < s.warmup + s.iterations; ++it) {
    Bytes mine;
    double e = 0, d = 0;
    if (comm.rank() != 0) {
      const auto start = Clock::now();
      mine = encode();
      e = micros_since(start);
    }
    comm.barrier();
    const auto start = Clock::now();
    std::vector<Bytes> parts = comm.gather(mine, 0);
    const double w = slowest(comm, micros_since(start));
    e = slowest(comm, e);
    if (comm.rank() == 0) {
      const auto decode_start = Clock::now();
      for (int r = 1; r < comm.size(); ++r) decode(parts[static_cast<std::size_t>(r)], r);
      d = micros_since(decode_start);
      row.bytes = parts.size() > 1 ? parts[1].size() : 0;
    }
    if (it < s.warmup) continue;
    enc.push_back(e);
    wire.push_back(w);
    dec.push_back(d);
  }
  summarise(enc, wire, dec, row);
  return row;
}

// One size of the sweep: the median one-way ping-pong time between ranks 0 and 1 and the median
// broadcast time (slowest rank), microseconds; valid on rank 0.
struct SweepPoint {
  std::size_t bytes = 0;
  double ping_pong = 0, broadcast = 0;
};

SweepPoint time_size(const Communicator& comm, int reps, std::size_t bytes) {
  SweepPoint point;
  point.bytes = bytes;
  const Bytes data(bytes, 0x5a);
  std::vector<double> one_way, bcast;
  for (int rep = 0; rep < reps + 1; ++rep) {  // the first round warms up
    comm.barrier();
    double t = 0;
    const auto start = Clock::now();
    if (comm.rank() == 0) {
      comm.send(data, 1, /*tag=*/11);
      comm.recv(1, /*tag=*/12);
      t = micros_since(start) / 2;
    } else if (comm.rank() == 1) {
      comm.send(comm.recv(0, 11), 0, 12);
    }
    Bytes message = comm.rank() == 0 ? data : Bytes();
    comm.barrier();
    const auto bcast_start = Clock::now();
    comm.broadcast(message, 0);
    const double b = slowest(comm, micros_since(bcast_start));
    if (rep == 0) continue;
    one_way.push_back(t);
    bcast.push_back(b);
  }
  point.ping_pong = median(one_way);
  point.broadcast = median(bcast);
  return point;
}

void print_rows(const std::vector<Row>& rows, bool gathered, int workers) {
  for (const Row& r : rows) {
    if (gathered) {
      std::printf("  %-24s %10zu %10.1f %10.1f %10.1f %10.1f %10.1f\n", r.name.c_str(), r.bytes,
                  r.encode, r.wire, r.wire_min, r.decode, r.decode / workers);
    } else {
      std::printf("  %-24s %10zu %10.1f %10.1f %10.1f %10.1f\n", r.name.c_str(), r.bytes, r.encode,
                  r.wire, r.wire_min, r.decode);
    }
  }
}

int run(const Communicator& comm, const Settings& s) {
  const int workers = comm.size() - 1;
  // Rank 0 trains first, alone, so that its sampling and learning times are one core's; then
  // the workers build the same payloads (every rank needs them to send).
  std::optional<mpi_comm::Payloads> built;
  if (comm.rank() == 0) built = mpi_comm::build_payloads(s.train_iterations, s.samples);
  quiet_barrier(comm);
  if (comm.rank() != 0) built = mpi_comm::build_payloads(s.train_iterations, s.samples);
  quiet_barrier(comm);
  mpi_comm::Payloads& p = *built;
  if (comm.rank() == 0) {
    std::printf(
        "mpi_comm: %d ranks (rank 0 the driver, %d workers); medians of %d iterations, "
        "times in microseconds\n",
        comm.size(), workers, s.iterations);
    std::printf(
        "supply-chain PPO, one fragment (%lld env steps, %lld rows): sampling %.0f us, "
        "learning %.0f us (medians on rank 0)\n",
        static_cast<long long>(p.batch.env_steps), static_cast<long long>(p.batch.agent_steps()),
        p.sample_us, p.learn_us);
  }

  // Broadcasts from the driver.
  auto weights_row = [&](const std::string& name, const phantom::WeightsMessage& message) {
    return time_broadcast(
        comm, s, name, [&] { return phantom::encode_weights(message); },
        [&](const Bytes& b) { phantom::decode_weights(b.data(), b.size(), "rank 0"); });
  };
  const Row weights = weights_row("weights, supply chain", p.weights);
  const Row wide = weights_row("weights, 32-256-256-8", p.wide_weights);
  const Row filters = time_broadcast(
      comm, s, "merged filters", [&] { return phantom::encode_filters(p.merged_filters); },
      [&](const Bytes& b) {
        phantom::decode_filters(b.data(), b.size(), "rank 0", *p.filters_like);
      });

  // Gathers at the driver.
  std::vector<Row> in;
  in.push_back(time_gather(
      comm, s, "batch", [&] { return phantom::encode_batch(p.batch); },
      [](const Bytes& b, int r) {
        phantom::decode_batch(b.data(), b.size(), "worker " + std::to_string(r));
      }));
  in.push_back(time_gather(
      comm, s, "metrics", [&] { return phantom::encode_metrics(p.metrics); },
      [](const Bytes& b, int r) {
        phantom::decode_metrics(b.data(), b.size(), "worker " + std::to_string(r));
      }));
  in.push_back(time_gather(
      comm, s, "filter delta", [&] { return phantom::encode_filters(p.filter_delta); },
      [&](const Bytes& b, int r) {
        phantom::decode_filters(b.data(), b.size(), "worker " + std::to_string(r), *p.filters_like);
      }));

  // The sweep.
  std::vector<SweepPoint> sweep;
  for (std::size_t bytes = 1024; bytes <= (std::size_t{16} << 20); bytes *= 4) {
    sweep.push_back(time_size(comm, s.sweep_reps, bytes));
  }
  if (comm.rank() != 0) return 0;

  std::printf("\nbroadcast by rank 0 %17s %10s %10s %10s %10s\n", "bytes", "encode", "wire",
              "wire min", "decode");
  print_rows({weights, wide, filters}, false, workers);
  std::printf("gathered at rank 0 %18s %10s %10s %10s %10s %10s\n", "bytes/worker", "encode",
              "wire", "wire min", "decode", "per msg");
  print_rows(in, true, workers);

  std::vector<double> sizes, one_way, bcast;
  std::printf("\nsweep (median of %d)  %12s %14s %14s\n", s.sweep_reps, "bytes", "ping-pong 1-way",
              "broadcast");
  for (const SweepPoint& point : sweep) {
    std::printf("  %32zu %14.1f %14.1f\n", point.bytes, point.ping_pong, point.broadcast);
    sizes.push_back(static_cast<double>(point.bytes));
    one_way.push_back(point.ping_pong);
    bcast.push_back(point.broadcast);
  }
  const mpi_comm::LinearCost p2p = mpi_comm::fit_linear_cost(sizes, one_way);
  const mpi_comm::LinearCost tree = mpi_comm::fit_linear_cost(sizes, bcast);
  // Messages beyond the caches: the copies run at memory bandwidth (the sweep's last sizes).
  const std::size_t from = sizes.size() - 3;
  const mpi_comm::LinearCost big = mpi_comm::fit_linear_cost(
      {sizes.begin() + from, sizes.end()}, {one_way.begin() + from, one_way.end()});
  std::printf("fit, point to point: alpha %.1f us, beta %.3f ns/byte (%.2f GB/s)\n", p2p.alpha_us,
              p2p.beta_us_per_byte * 1e3, 1e-3 / p2p.beta_us_per_byte);
  std::printf("fit, point to point from %.0f MiB on: beta %.3f ns/byte (%.2f GB/s)\n",
              sizes[from] / (1 << 20), big.beta_us_per_byte * 1e3, 1e-3 / big.beta_us_per_byte);
  std::printf("fit, broadcast over %d ranks: alpha %.1f us, beta %.3f ns/byte (%.2f GB/s)\n",
              comm.size(), tree.alpha_us, tree.beta_us_per_byte * 1e3,
              1e-3 / tree.beta_us_per_byte);

  // The model (cost_model.hpp), from the point-to-point fit and the measured encode/decode.
  double gather_bytes = 0, decode_per_worker = 0;
  for (const Row& r : in) {
    gather_bytes += static_cast<double>(r.bytes);
    decode_per_worker += r.decode / workers;
  }
  const double per_worker = 3 * p2p.alpha_us + p2p.beta_us_per_byte * gather_bytes;
  const double per_worker_big = 3 * p2p.alpha_us + big.beta_us_per_byte * gather_bytes;
  std::printf(
      "\nmodel, microseconds per iteration at the driver: broadcast = ceil(log2 R) x (alpha + "
      "beta B) of the weights and of the filters (B = %zu, with the 256-wide weights %zu, "
      "and %zu), gathers = (R-1) x (3 alpha + beta x %.0f bytes) with beta of the small or "
      "the large messages (mem), decode = (R-1) x %.1f us\n",
      weights.bytes, wide.bytes, filters.bytes, gather_bytes, decode_per_worker);
  std::printf("  %6s %10s %12s %12s %12s %12s %12s %12s %12s\n", "ranks", "encode", "broadcast",
              "bcast 256w", "gathers", "gathers mem", "decode", "sampling", "learning");
  for (int ranks : {2, 3, 4, 8, 16, 32, 64}) {
    const int steps = mpi_comm::broadcast_steps(ranks);
    const double filter_steps = steps * p2p.at(static_cast<double>(filters.bytes));
    std::printf("  %6d %10.1f %12.1f %12.1f %12.1f %12.1f %12.1f %12.0f %12.0f\n", ranks,
                weights.encode + filters.encode,
                steps * p2p.at(static_cast<double>(weights.bytes)) + filter_steps,
                steps * p2p.at(static_cast<double>(wide.bytes)) + filter_steps,
                (ranks - 1) * per_worker, (ranks - 1) * per_worker_big,
                (ranks - 1) * decode_per_worker, p.sample_us, (ranks - 1) * p.learn_us);
  }
  // The smallest R with (R - 1) x cost > sampling time.
  auto first_rank_over = [&](double cost) {
    return static_cast<long long>(std::floor(p.sample_us / cost)) + 2;
  };
  std::printf(
      "gathering + decoding at rank 0 exceeds one fragment's sampling (%.0f us) from R = %lld "
      "ranks on; learning on the gathered fragments exceeds it from R = %lld\n",
      p.sample_us, first_rank_over(per_worker + decode_per_worker),
      first_rank_over(std::max(p.learn_us, 1e-3)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  phantom::mpi::Session session(&argc, &argv);
  Settings s;
  examples::CommandLine cli("mpi_comm",
                            "Times one training iteration's messages over the MPI job's ranks.");
  cli.integer("--iterations", "N", &s.iterations, 1, "timed rounds of each message (medians)")
      .integer("--warmup", "N", &s.warmup, 0, "untimed rounds before them")
      .integer("--train-iterations", "N", &s.train_iterations, 2,
               "PPO iterations before the payloads are taken (timed from the second)")
      .integer("--samples", "N", &s.samples, 1, "fragments sampled to time sampling")
      .integer("--sweep-reps", "N", &s.sweep_reps, 1, "rounds of each size of the sweep");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  Communicator comm;
  if (comm.size() < 2) {
    if (comm.rank() == 0) std::fprintf(stderr, "mpi_comm: needs at least 2 ranks (mpirun -np 2)\n");
    return 2;
  }
  try {
    return run(comm, s);
  } catch (const std::exception& e) {
    // An error on this rank alone (the others may be waiting for it): end the whole job.
    std::fprintf(stderr, "mpi_comm: rank %d: %s\n", comm.rank(), e.what());
    comm.abort(1);
  }
}
