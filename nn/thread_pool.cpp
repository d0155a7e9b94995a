// TEMPORARY serial implementation: replaced by the real pool (spin-then-sleep workers).
#include "nn/thread_pool.hpp"

#include <memory>

namespace nn {

struct ThreadPool::Impl {};

ThreadPool::ThreadPool(int) : num_threads_(1) {}
ThreadPool::~ThreadPool() = default;
void ThreadPool::run_raw(void (*fn)(void*, int, int), void* ctx) {
  fn(ctx, 0, 1);
}

namespace {
std::unique_ptr<ThreadPool>& pool_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
}  // namespace

ThreadPool& default_pool() {
  auto& p = pool_slot();
  if (!p) p = std::make_unique<ThreadPool>(0);
  return *p;
}
void set_num_threads(int n) {
  pool_slot() = std::make_unique<ThreadPool>(n);
}

}  // namespace nn
