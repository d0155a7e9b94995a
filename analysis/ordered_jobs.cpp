// run_ordered: one mutex guards the job counter, the consumer's position and the done marks.
// Jobs are long (a batch of whole episodes), so taking the mutex a few times per job costs
// nothing measurable, and it keeps the hand-over easy to reason about:
//
//   worker thread (ith > 0)                 calling thread (ith == 0)
//   wait until a job is free and            consume the next job in order if it is done;
//     within the window, or failure;        else take a free job within the window and run it;
//   take it, run it, mark it done           else wait until the next job in order is done
//
// The calling thread never waits for room in the window (it is the one that makes room), so
// the two can not wait for each other.
#include "analysis/ordered_jobs.hpp"

#include <condition_variable>
#include <mutex>
#include <vector>

#include "phantom/error.hpp"

namespace phantom {

namespace {

struct Shared {
  Shared(std::size_t n, std::size_t window) : n(n), window(window), done(window, 0) {}

  const std::size_t n, window;
  std::mutex mutex;
  std::condition_variable changed;  // a job was done or consumed, or a thread failed
  std::size_t next_job = 0;         // the next job to start
  std::size_t consumed = 0;         // jobs [0, consumed) were consumed
  std::vector<std::size_t> done;    // done[job % window] == job + 1 once the job is done
  bool failed = false;

  bool startable() const { return next_job < n && next_job < consumed + window; }
  bool next_done() const { return done[consumed % window] == consumed + 1; }
};

// Runs `fn` with the lock released; if it throws, marks the run as failed (so every thread
// stops) and rethrows.
template <class Fn>
void unlocked(Shared& s, std::unique_lock<std::mutex>& lock, Fn&& fn) {
  lock.unlock();
  try {
    fn();
  } catch (...) {
    lock.lock();
    s.failed = true;
    s.changed.notify_all();
    throw;
  }
  lock.lock();
}

void worker_loop(Shared& s, int ith, const std::function<void(int, std::size_t)>& work) {
  std::unique_lock<std::mutex> lock(s.mutex);
  for (;;) {
    s.changed.wait(lock, [&] { return s.failed || s.next_job >= s.n || s.startable(); });
    if (s.failed || s.next_job >= s.n) return;
    const std::size_t job = s.next_job++;
    unlocked(s, lock, [&] { work(ith, job); });
    s.done[job % s.window] = job + 1;
    s.changed.notify_all();
  }
}

void caller_loop(Shared& s, const std::function<void(int, std::size_t)>& work,
                 const std::function<void(std::size_t)>& consume) {
  std::unique_lock<std::mutex> lock(s.mutex);
  while (s.consumed < s.n && !s.failed) {
    if (s.next_done()) {
      const std::size_t job = s.consumed;
      unlocked(s, lock, [&] { consume(job); });
      ++s.consumed;
      s.changed.notify_all();  // room in the window
    } else if (s.startable()) {
      const std::size_t job = s.next_job++;
      unlocked(s, lock, [&] { work(0, job); });
      s.done[job % s.window] = job + 1;
    } else {
      s.changed.wait(lock, [&] { return s.failed || s.next_done(); });
    }
  }
}

}  // namespace

void run_ordered(nn::ThreadPool& pool, std::size_t n, std::size_t window,
                 const std::function<void(int ith, std::size_t job)>& work,
                 const std::function<void(std::size_t job)>& consume) {
  if (window == 0) throw ConfigError("run_ordered: the window must hold at least one job");
  if (n == 0) return;
  Shared shared(n, window);
  pool.run([&](int ith, int) {
    if (ith == 0) {
      caller_loop(shared, work, consume);
    } else {
      worker_loop(shared, ith, work);
    }
  });
}

}  // namespace phantom
