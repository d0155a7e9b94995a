// Helpers for tests that check what an error message names.
//
//   std::string m = test_support::message_of<phantom::ConfigError>([&] { parse("x"); });
//   EXPECT_HAS(m, "policy 'p'");
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace test_support {

/// The message of the E that `fn` throws; a test failure (and "") if it throws nothing.
template <class E, class Fn>
std::string message_of(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception, none was thrown";
  return "";
}

}  // namespace test_support

/// Expects `part` to occur in the string `message` (and prints the message if not).
#define EXPECT_HAS(message, part) \
  EXPECT_NE(std::string(message).find(part), std::string::npos) << "message: " << (message)
