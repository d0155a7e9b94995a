# The friendly front door; CMake is the build. Every target builds out of tree under build*/.
#   make            release build of libphantom.a (+ examples)
#   make run        build, then train the supply-chain shop with PPO and compare it with the
#                   best constant-order and order-up-to rules (results in
#                   results/supply_chain_ppo/)
#   make test       build and run the unit tests
#   make bench      build and run the benchmarks (Release)
#   make sanitize   ASan+UBSan build, all tests
#   make tsan       TSan build, the threading tests
#   make format     clang-format every source file
#   make install    install headers, libphantom.a, phantom-plot, CMake package and pkg-config
#                   (PREFIX=...)
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX   ?= /usr/local
WERROR   ?= OFF
CMAKE    ?= cmake
CTEST    ?= ctest
BENCH_FILTER ?= .

CONFIGURE = $(CMAKE) -S . -DPHANTOM_WERROR=$(WERROR)

.PHONY: all build run test bench sanitize tsan format install clean

all: build

build:
	$(CONFIGURE) -B build -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build build -j $(JOBS)

# Builds only what the experiment needs (the library and one program), then runs it.
run:
	$(CONFIGURE) -B build -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build build -j $(JOBS) --target supply_chain_train
	./build/examples/supply_chain_train --results results

test: build
	$(CTEST) --test-dir build --output-on-failure -j $(JOBS) --timeout 600

bench:
	$(CONFIGURE) -B build-bench -DCMAKE_BUILD_TYPE=Release -DPHANTOM_BUILD_BENCH=ON \
	  -DPHANTOM_BUILD_TESTS=OFF -DPHANTOM_BUILD_EXAMPLES=OFF
	$(CMAKE) --build build-bench -j $(JOBS)
	@for b in build-bench/bench/*_bench; do [ -x "$$b" ] || continue; echo "== $$b"; $$b --benchmark_filter='$(BENCH_FILTER)' || exit 1; done

sanitize:
	$(CONFIGURE) -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHANTOM_SANITIZE=address \
	  -DPHANTOM_BUILD_EXAMPLES=OFF
	$(CMAKE) --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(CTEST) --test-dir build-asan --output-on-failure -j $(JOBS) --timeout 900

# TSan runs the tests that exercise threads: the pool itself and everything that runs on it.
TSAN_TESTS ?= ThreadPool|Parallel|Determinism
tsan:
	$(CONFIGURE) -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHANTOM_SANITIZE=thread \
	  -DPHANTOM_BUILD_EXAMPLES=OFF
	$(CMAKE) --build build-tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  $(CTEST) --test-dir build-tsan --output-on-failure -j $(JOBS) --timeout 900 -R '$(TSAN_TESTS)'

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

install: build
	$(CMAKE) --install build --prefix $(PREFIX)

clean:
	rm -rf build build-bench build-asan build-tsan
