// The command line of every example program: one small parser, so that all of them answer
// --help, name the flag of a bad value and exit the same way.
//
//   int iterations = 300;
//   float lr = 1e-3f;
//   examples::CommandLine cli("curriculum_train", "Trains the shop through rising demand.");
//   cli.integer("--iterations", "N", &iterations, 1, "training iterations")
//       .real("--lr", "X", &lr, "Adam's learning rate");
//   if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
//   return examples::run_main(cli.program(), [&] { ...; return 0; });
//
// Every option takes one value (`--flag VALUE`); the variable it writes holds the default, which
// --help shows. Numbers follow the library's strict rule (nn/parse_number.hpp): the whole text is
// the number ("10", not "1e1", "ten" or " 10"), integers within the option's range, reals finite
// and within a float's range. A bad value is a phantom::ConfigError naming the flag and the form
// it expects, e.g.
//   option --iterations: 'ten' is not an integer; expected an integer from 1 to 2147483647
//
// Exit codes: 0 after --help (nothing else runs), 2 for a bad command line (the message and a
// pointer to --help on stderr), 1 for an error found while running (run_main), never an abort.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace examples {

/// A program's options and how to read them from its command line.
class CommandLine {
 public:
  /// `program` names the program in usage and error lines; `summary` is --help's first line.
  CommandLine(std::string program, std::string summary);

  /// An integer option `flag VALUE_NAME` within [min, max]. The option functions return *this,
  /// so that a program lists its options in one expression.
  CommandLine& integer(const std::string& flag, const std::string& value_name, int* target,
                       int64_t min, const std::string& help);
  /// The same for a 64-bit count (its maximum is INT64_MAX).
  CommandLine& integer(const std::string& flag, const std::string& value_name, int64_t* target,
                       int64_t min, const std::string& help);
  /// A seed: an integer from 0 to INT64_MAX.
  CommandLine& seed(const std::string& flag, uint64_t* target, const std::string& help);
  /// A finite number within a float's range.
  CommandLine& real(const std::string& flag, const std::string& value_name, float* target,
                    const std::string& help);
  /// 0 or 1.
  CommandLine& boolean(const std::string& flag, bool* target, const std::string& help);
  /// Any text (a path, a name).
  CommandLine& text(const std::string& flag, const std::string& value_name, std::string* target,
                    const std::string& help);

  /// Reads the arguments after the program name, in order, into the options' variables.
  /// Returns false if --help or -h was given (the arguments after it are not read), true
  /// otherwise. Throws phantom::ConfigError naming the flag for an unknown option, a missing
  /// value or a bad one.
  bool parse(const std::vector<std::string>& args);
  /// For main(): parse(argv[1..]). Returns 0 after printing usage() to stdout for --help, 2 after
  /// printing the error and a pointer to --help to stderr, nullopt when the program should run.
  std::optional<int> parse_or_exit(int argc, char** argv);

  /// The summary, a usage line and one line per option with its default.
  std::string usage() const;
  const std::string& program() const { return program_; }

 private:
  struct Option {
    std::string flag, value_name, help, default_text;
    std::function<void(const std::string& flag, const std::string& value)> read;
  };
  CommandLine& add(Option option);

  std::string program_, summary_;
  std::vector<Option> options_;
};

/// Runs a program's body and turns a phantom::Error that escapes it (an option value a trainer
/// refuses, a file that cannot be written, ...) into "<program>: <message>" on stderr and exit
/// code 1, instead of an abort. Returns the body's exit code otherwise.
int run_main(const std::string& program, const std::function<int()>& body);

}  // namespace examples
