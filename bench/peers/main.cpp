// peer_bench: phantom-cpp's numeric core against the peer libraries found at configure time
// (Eigen, OpenBLAS, libtorch), each comparison timed alternately in one benchmark
// (bench/common/alternate_timing.hpp). Everything runs on one thread.
//
// Start-up runs every peer's check that it computes what we compute, and refuses to benchmark
// if one does not. `peer_bench --check_only` stops after the checks (the peer_bench_agreement
// test runs that).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>

#include "nn/kernels/kernels.hpp"
#include "nn/thread_pool.hpp"
#include "peer_registry.hpp"

int main(int argc, char** argv) {
  bool check_only = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--check_only") == 0) {
      check_only = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;

  nn::set_num_threads(1);
  std::printf("phantom-cpp kernels: %s, 1 thread\n",
              nn::kernels::isa_name(nn::kernels::active_isa()));
  if (peers::registered_peers().empty()) {
    std::printf("no peer library was found at configure time; nothing to compare\n");
  }
  bool agree = true;
  for (const peers::Peer& peer : peers::registered_peers()) agree = peer.startup() && agree;
  if (!agree) {
    std::fprintf(stderr,
                 "peer_bench: a peer does not compute what phantom-cpp computes "
                 "(MISMATCH above), so its timings would not compare equal work\n");
    return 1;
  }
  if (check_only) return 0;

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
