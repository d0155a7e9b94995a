// Whether the test program is built with a sanitizer (ASan+UBSan or TSan), for the few tests
// whose size only serves the property they check (bit-identical results over 200 training
// steps, accuracy over many inputs). Under a sanitizer such a test runs many times slower, and
// what the sanitizer looks for (a bad access, a race) shows in the first iterations already, so
// those tests run a smaller size there; the full size runs in the ordinary build.
//
//   const int steps = test_support::sanitized(200, 20);
#pragma once

namespace test_support {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)  // GCC
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

/// `full` in an ordinary build, `reduced` under a sanitizer.
constexpr int sanitized(int full, int reduced) {
  return kSanitized ? reduced : full;
}

}  // namespace test_support
