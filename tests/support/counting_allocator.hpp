// Replaces the global operator new/delete with versions that count allocations, for tests that
// prove a hot loop allocates nothing.
//
// Include this header in exactly one file of a test program: the replacement is program-wide.
// (tests/CMakeLists.txt gives every *_alloc_test.cpp a program of its own for that reason.)
//
//   long n = alloc_counter::allocations_during([&] { step(); });   // counts heap allocations
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace alloc_counter {

inline std::atomic<long> g_allocations{0};
inline std::atomic<bool> g_counting{false};

inline void* allocate(std::size_t size, std::size_t align) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, align, size) != 0) {
    p = nullptr;
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

/// Number of operator new calls made while `work` runs (on any thread).
template <class Fn>
long allocations_during(Fn&& work) {
  g_allocations = 0;
  g_counting = true;
  work();
  g_counting = false;
  return g_allocations.load();
}

}  // namespace alloc_counter

void* operator new(std::size_t size) {
  return alloc_counter::allocate(size, 0);
}
void* operator new[](std::size_t size) {
  return alloc_counter::allocate(size, 0);
}
void* operator new(std::size_t size, std::align_val_t a) {
  return alloc_counter::allocate(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return alloc_counter::allocate(size, static_cast<std::size_t>(a));
}
// Every operator new above takes its memory from malloc (or posix_memalign), so free is the
// matching release. GCC cannot see that when it inlines a replaced delete into code whose new it
// takes for the built-in one, and warns (at -O1, the sanitizer builds' level).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
