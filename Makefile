# The friendly front door; CMake is the build. Every target builds out of tree under build*/.
# The library, `make`, `make run` and `make install` need only a C++17 compiler, CMake and make;
# the tests need GoogleTest (libgtest-dev) and the benchmarks Google Benchmark (libbenchmark-dev).
#   make            release build of libphantom.a, phantom-plot, the examples (+ the tests when
#                   GoogleTest is installed)
#   make run        build, then train the supply-chain shop with PPO and compare it with the
#                   best constant-order and order-up-to rules (results in
#                   results/supply_chain_ppo/)
#   make test       build and run the unit tests
#   make bench      build and run the benchmarks (Release)
#   make sanitize   ASan+UBSan build, all tests
#   make tsan       TSan build, the threading tests
#   make fuzz       clang build of the libFuzzer targets (tests/fuzz/), each run FUZZ_SECONDS
#                   after its saved inputs (needs clang and its runtime, libclang-rt-dev)
#   make test-mpi   build with the MPI layer in build-mpi/ (MPI_BUILD=dir picks another) and run
#                   its suite under mpiexec (needs MPI, e.g. libopenmpi-dev and openmpi-bin;
#                   docs/DISTRIBUTED.md)
#   make run-mpi    `make run`'s experiment with its rollout worker on another rank of an MPI
#                   job (2 ranks): prints what `make run` prints
#   make format     clang-format every source file
#   make install    build and install the public headers, libphantom.a, the tools, the CMake
#                   package and pkg-config file (PREFIX=...; builds no tests)
# BUILD=dir picks the build directory of make, run, test and install; CMAKE_FLAGS adds configure
# options (e.g. -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON to build as if GoogleTest were missing).
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX   ?= /usr/local
WERROR   ?= OFF
CMAKE    ?= cmake
CTEST    ?= ctest
BENCH_FILTER ?= .
BUILD    ?= build
CMAKE_FLAGS ?=

CONFIGURE = $(CMAKE) -S . -DPHANTOM_WERROR=$(WERROR) $(CMAKE_FLAGS)

.PHONY: all build run run-mpi test test-mpi bench sanitize tsan fuzz format install clean

all: build

build:
	$(CONFIGURE) -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build $(BUILD) -j $(JOBS)

# Builds only what the experiment needs (the library and one program), then runs it.
# `make run` and `make run-mpi` train with RUN_WORKERS rollout workers (one: it samples beside
# the learner, and on rank 1 over MPI), so that both print the same numbers.
RUN_WORKERS ?= 1
run:
	$(CONFIGURE) -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target supply_chain_train
	./$(BUILD)/examples/supply_chain_train --workers $(RUN_WORKERS) --results results

# Without GoogleTest (Google Benchmark), configuring leaves the tests (benchmarks) out with a
# notice; the targets that run them then say so and fail, rather than report that nothing failed.
# $(call require,<build dir>,TESTS|BENCH,<package>)
require = @grep -q '^PHANTOM_HAVE_$(2):INTERNAL=ON' $(1)/CMakeCache.txt || { \
  echo "make $@: $(3) is missing, so $(1) has nothing to run (see the configure notice above)"; \
  exit 1; }

test: build
	$(call require,$(BUILD),TESTS,GoogleTest (libgtest-dev))
	$(CTEST) --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600

bench:
	$(CONFIGURE) -B build-bench -DCMAKE_BUILD_TYPE=Release -DPHANTOM_BUILD_BENCH=ON \
	  -DPHANTOM_BUILD_TESTS=OFF -DPHANTOM_BUILD_EXAMPLES=OFF
	$(CMAKE) --build build-bench -j $(JOBS)
	$(call require,build-bench,BENCH,Google Benchmark (libbenchmark-dev))
	@for b in build-bench/bench/*_bench; do [ -x "$$b" ] || continue; echo "== $$b"; $$b --benchmark_filter='$(BENCH_FILTER)' || exit 1; done

sanitize:
	$(CONFIGURE) -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHANTOM_SANITIZE=address \
	  -DPHANTOM_BUILD_EXAMPLES=OFF
	$(CMAKE) --build build-asan -j $(JOBS)
	$(call require,build-asan,TESTS,GoogleTest (libgtest-dev))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(CTEST) --test-dir build-asan --output-on-failure -j $(JOBS) --timeout 900

# TSan runs the tests that exercise threads: the pool itself and everything that runs on it.
# It builds only the test programs that hold such tests (TSAN_PROGRAMS: one per layer; the
# allocation-counting programs and install_tests have none), each from the test files that
# mention TSAN_TESTS (tests/CMakeLists.txt), and fails if ctest finds no test.
TSAN_TESTS ?= ThreadPool|MeasuredSplit|Parallel|Determinism|WorkerSet
TSAN_PROGRAMS ?= nn_tests phantom_tests trainers_tests analysis_tests
tsan:
	$(CONFIGURE) -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHANTOM_SANITIZE=thread \
	  -DPHANTOM_BUILD_EXAMPLES=OFF -DPHANTOM_TSAN_TESTS='$(TSAN_TESTS)'
	$(CMAKE) --build build-tsan -j $(JOBS) --target $(TSAN_PROGRAMS)
	$(call require,build-tsan,TESTS,GoogleTest (libgtest-dev))
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  $(CTEST) --test-dir build-tsan --output-on-failure -j $(JOBS) --timeout 900 -R '$(TSAN_TESTS)' \
	  --no-tests=error

# The fuzz targets, built with clang in their own directory (ASan+UBSan, libFuzzer), then run one
# after the other: each runs its saved inputs (tests/fuzz/corpus/<target>/), then fuzzes for
# FUZZ_SECONDS (0: saved inputs only; FUZZ_TARGETS: a subset, e.g. "csv_reader env_config";
# FUZZ_JOBS: how many targets run at a time, one core each; FUZZ_FINDINGS_FATAL=0: a failure found
# by the exploration is reported but the command still succeeds, a failing saved input never).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_JOBS ?= 1
FUZZ_FINDINGS_FATAL ?= 1
fuzz:
	$(CONFIGURE) -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DPHANTOM_BUILD_FUZZ=ON -DPHANTOM_BUILD_TESTS=OFF -DPHANTOM_BUILD_EXAMPLES=OFF
	$(CMAKE) --build build-fuzz -j $(JOBS) --target fuzz_targets
	FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_FINDINGS_FATAL=$(FUZZ_FINDINGS_FATAL) \
	  tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The optional MPI layer (docs/DISTRIBUTED.md) in its own build directory: the library, the MPI
# layer, its test suite and its driver only, then the suite (CTest label "mpi") under mpiexec
# with 1, 2 and 3 ranks, one run at a time (each starts up to 3 processes).
# MPI_BUILD=build adds the layer to `make test`'s Release tree instead: the MPI option changes no
# flag of the library, so only the layer, its suite and its driver are compiled (.ci/run does so).
MPI_BUILD ?= build-mpi
MPI_TARGETS ?= phantom_mpi mpi_tests mpi_rollouts mpi_train_failure
test-mpi:
	$(CONFIGURE) -B $(MPI_BUILD) -DCMAKE_BUILD_TYPE=Release -DPHANTOM_WITH_MPI=ON
	$(CMAKE) --build $(MPI_BUILD) -j $(JOBS) --target $(MPI_TARGETS)
	$(call require,$(MPI_BUILD),TESTS,GoogleTest (libgtest-dev))
	$(CTEST) --test-dir $(MPI_BUILD) --output-on-failure -L mpi --no-tests=error --timeout 600

# `make run`'s experiment over MPI (docs/DISTRIBUTED.md, "Training over ranks"): rank 0 learns,
# the RUN_WORKERS rollout workers sample on ranks 1..RUN_MPI_RANKS-1; the numbers printed are
# `make run`'s, whatever the number of ranks. The OMPI_ variables let Open MPI run as root
# (containers); other MPI implementations ignore them.
RUN_MPI_RANKS ?= 2
MPIEXEC ?= mpiexec
MPIEXEC_FLAGS ?=
run-mpi:
	$(CONFIGURE) -B $(MPI_BUILD) -DCMAKE_BUILD_TYPE=Release -DPHANTOM_WITH_MPI=ON
	$(CMAKE) --build $(MPI_BUILD) -j $(JOBS) --target supply_chain_train_mpi
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 $(MPIEXEC) -np $(RUN_MPI_RANKS) \
	  $(MPIEXEC_FLAGS) ./$(MPI_BUILD)/examples/supply_chain_train_mpi --workers $(RUN_WORKERS) \
	  --results results

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

# Builds only what gets installed (the library, phantom-plot and phantom-regress), never the tests.
install:
	$(CONFIGURE) -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target phantom phantom-plot phantom-regress
	$(CMAKE) --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf build build-bench build-asan build-tsan build-fuzz build-clang build-mpi
