// The example programs' command-line parser: options, strict values, usage and exit codes.
#include "command_line.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

#include "nn/error.hpp"
#include "nn/parse_number.hpp"
#include "phantom/format.hpp"

namespace examples {

namespace {

// `text` as an integer in [min, max]. Both failures name the option and the expected form: the
// syntax is checked first, so that "ten" is called "not an integer" and "-3" "out of range".
int64_t read_integer(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  const std::string expected =
      "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::string problem;
  const std::optional<int64_t> value = phantom::parse_integer(
      text, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &problem);
  if (!value) {
    // Digits beyond 64 bits are an integer out of range, which problem says in its own words.
    throw phantom::ConfigError("option " + flag + ": " + problem + "; " + expected);
  }
  if (*value < min || *value > max) {
    throw phantom::ConfigError("option " + flag + ": '" + text + "' is out of range; " + expected);
  }
  return *value;
}

}  // namespace

CommandLine::CommandLine(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

CommandLine& CommandLine::add(Option option) {
  options_.push_back(std::move(option));
  return *this;
}

CommandLine& CommandLine::integer(const std::string& flag, const std::string& value_name,
                                  int* target, int64_t min, const std::string& help) {
  return add({flag, value_name, help, std::to_string(*target),
              [target, min](const std::string& f, const std::string& v) {
                *target =
                    static_cast<int>(read_integer(f, v, min, std::numeric_limits<int>::max()));
              }});
}

CommandLine& CommandLine::integer(const std::string& flag, const std::string& value_name,
                                  int64_t* target, int64_t min, const std::string& help) {
  return add({flag, value_name, help, std::to_string(*target),
              [target, min](const std::string& f, const std::string& v) {
                *target = read_integer(f, v, min, std::numeric_limits<int64_t>::max());
              }});
}

CommandLine& CommandLine::seed(const std::string& flag, uint64_t* target, const std::string& help) {
  return add({flag, "S", help, std::to_string(*target),
              [target](const std::string& f, const std::string& v) {
                *target = static_cast<uint64_t>(
                    read_integer(f, v, 0, std::numeric_limits<int64_t>::max()));
              }});
}

CommandLine& CommandLine::real(const std::string& flag, const std::string& value_name,
                               float* target, const std::string& help) {
  return add({flag, value_name, help, phantom::float_string(*target),
              [target](const std::string& f, const std::string& v) {
                const std::string where = "option " + f;
                try {
                  *target = phantom::require_float<phantom::ConfigError>(v, where);
                } catch (const phantom::ConfigError& e) {
                  throw phantom::ConfigError(std::string(e.what()) +
                                             "; expected a finite number such as 0.5 or 1e-3");
                }
              }});
}

CommandLine& CommandLine::boolean(const std::string& flag, bool* target, const std::string& help) {
  return add({flag, "0|1", help, *target ? "1" : "0",
              [target](const std::string& f, const std::string& v) {
                *target = read_integer(f, v, 0, 1) != 0;
              }});
}

CommandLine& CommandLine::text(const std::string& flag, const std::string& value_name,
                               std::string* target, const std::string& help) {
  return add({flag, value_name, help, *target,
              [target](const std::string&, const std::string& v) { *target = v; }});
}

bool CommandLine::parse(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") return false;
    const Option* option = nullptr;
    for (const Option& o : options_) {
      if (o.flag == flag) option = &o;
    }
    if (option == nullptr) {
      throw phantom::ConfigError("unknown option '" + flag + "'");
    }
    if (i + 1 >= args.size()) {
      throw phantom::ConfigError("option " + flag + " needs a value: " + flag + " " +
                                 option->value_name);
    }
    option->read(flag, args[++i]);
  }
  return true;
}

std::optional<int> CommandLine::parse_or_exit(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  try {
    if (parse(args)) return std::nullopt;
    std::fputs(usage().c_str(), stdout);
    return 0;
  } catch (const phantom::ConfigError& e) {
    std::fprintf(stderr, "%s: %s\n(%s --help lists the options)\n", program_.c_str(), e.what(),
                 program_.c_str());
    return 2;
  }
}

std::string CommandLine::usage() const {
  std::string out = summary_ + "\n\nusage: " + program_ + " [options]\n\noptions:\n";
  std::size_t width = 0;
  for (const Option& o : options_) width = std::max(width, o.flag.size() + 1 + o.value_name.size());
  for (const Option& o : options_) {
    std::string left = o.flag + " " + o.value_name;
    left.resize(width, ' ');
    out += "  " + left + "  " + o.help;
    if (!o.default_text.empty()) out += " (default " + o.default_text + ")";
    out += "\n";
  }
  out += "  --help" + std::string(width > 6 ? width - 6 : 0, ' ') + "  print this and exit\n";
  return out;
}

int run_main(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const phantom::Error& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return 1;
  }
}

}  // namespace examples
