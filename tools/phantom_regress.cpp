// phantom-regress: deterministic regression checksums of fixed workloads.
//
// The library promises that the same seed gives bit-identical results whatever the thread
// count, the SIMD path and the compiler (docs/DETERMINISM.md). The determinism tests compare
// configurations with each other; this tool pins what a run produces: every workload
// (tools/regress/workloads.hpp) hashes all its outputs, and --check compares them with the
// checksums committed in bench/regress/golden.txt. A difference is a changed result: either a
// bug, or an intended change that --update records with its reason. It also times the
// workloads (--time) and compares this build's speed with another's (--ab).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "nn/kernels/kernels.hpp"
#include "regress/golden.hpp"
#include "regress/timing.hpp"
#include "regress/workloads.hpp"

namespace {

const char* const kHelp =
    "usage: phantom-regress [MODE] [--only NAME]... [--golden DIR]\n"
    "\n"
    "Runs fixed workloads of the library and hashes everything they produce (weights,\n"
    "optimiser state, metrics CSV rows without wall-clock columns, rollout CSVs, batches).\n"
    "\n"
    "modes (default: run and print each workload's checksum):\n"
    "  --check              compare with DIR/golden.txt; exit 1 naming each workload that\n"
    "                       differs and its first differing output\n"
    "  --update --reason T  write the checksums to DIR/golden.txt (and DIR/outputs/), adding\n"
    "                       a dated history line with the reason T (required)\n"
    "  --list               list the workloads and what each runs\n"
    "  --time N             run each workload N times, print median/min/max wall seconds\n"
    "  --ab OTHER_BINARY    run this build and OTHER_BINARY alternately (N rounds, --time N,\n"
    "                       default 5), compare their CPU time and print per-workload ratios\n"
    "                       other/this with a noise band; a ratio outside it is flagged SLOWER\n"
    "                       or FASTER (bench/README.md; use PHANTOM_NUM_THREADS=1)\n"
    "  --simd-paths         print the SIMD paths this CPU and build can run (for PHANTOM_SIMD)\n"
    "  --help               this text\n"
    "\n"
    "options:\n"
    "  --only NAME          only this workload (repeatable)\n"
    "  --golden DIR         the golden directory (default: the source tree's bench/regress)\n"
    "\n"
    "PHANTOM_NUM_THREADS and PHANTOM_SIMD choose the thread count and SIMD path; the\n"
    "checksums must not change with them.\n";

struct Args {
  std::string mode = "print";
  std::string reason;
  bool has_reason = false;
  std::string ab_binary;
  int repeats = 0;
  std::vector<std::string> only;
  std::string golden_dir = PHANTOM_REGRESS_GOLDEN_DIR;
  std::string time_once;  // internal: --ab's child runs
};

struct UsageError {
  std::string message;
};

int positive(const std::string& option, const std::string& text) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 1 || v > 1000) {
    throw UsageError{option + " " + text + ": expected a whole number from 1 to 1000"};
  }
  return static_cast<int>(v);
}

Args parse(int argc, char** argv) {
  Args a;
  std::vector<std::string> modes;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError{arg + " needs a value"};
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h" || arg == "--check" || arg == "--update" ||
        arg == "--list" || arg == "--simd-paths") {
      modes.push_back(arg.substr(arg[1] == '-' ? 2 : 1));
    } else if (arg == "--reason") {
      a.reason = value();
      a.has_reason = true;
    } else if (arg == "--time") {
      a.repeats = positive(arg, value());
      modes.push_back("time");
    } else if (arg == "--ab") {
      a.ab_binary = value();
      modes.push_back("ab");
    } else if (arg == "--only") {
      a.only.push_back(value());
    } else if (arg == "--golden") {
      a.golden_dir = value();
    } else if (arg == "--time-once") {
      a.time_once = value();
      modes.push_back("time-once");
    } else {
      throw UsageError{"unknown argument '" + arg + "'"};
    }
  }
  // --ab takes its repetition count from --time.
  if (modes.size() == 2 && modes[0] == "time" && modes[1] == "ab") modes.erase(modes.begin());
  if (modes.size() == 2 && modes[0] == "ab" && modes[1] == "time") modes.pop_back();
  if (modes.size() > 1) throw UsageError{"give one mode, not --" + modes[0] + " and --" + modes[1]};
  if (!modes.empty()) a.mode = modes[0] == "h" ? "help" : modes[0];
  if (a.mode == "update" && (!a.has_reason || a.reason.empty())) {
    throw UsageError{
        "--update needs --reason \"why the results changed\" (it goes into the "
        "history of golden.txt)"};
  }
  if (a.has_reason && a.mode != "update") throw UsageError{"--reason belongs to --update"};
  if (a.mode == "ab" && a.repeats == 0) a.repeats = 5;
  return a;
}

std::vector<const regress::Workload*> selected(const Args& a) {
  std::vector<const regress::Workload*> out;
  if (a.only.empty()) {
    for (const regress::Workload& w : regress::all_workloads()) out.push_back(&w);
    return out;
  }
  for (const std::string& name : a.only) {
    const regress::Workload* w = regress::find_workload(name);
    if (!w) throw UsageError{"--only " + name + ": no such workload (--list lists them)"};
    out.push_back(w);
  }
  return out;
}

std::string today() {
  std::time_t now = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&now));
  return buf;
}

int check(const Args& a, bool update) {
  const std::string golden_path = a.golden_dir + "/golden.txt";
  // What this run is checked under (a PHANTOM_SIMD the CPU lacks throws here, naming it).
  std::printf("phantom-regress: %d thread(s), SIMD path %s\n", regress::workload_threads(),
              nn::kernels::isa_name(nn::kernels::active_isa()));
  regress::Golden golden = regress::read_golden(golden_path);
  int failed = 0;
  for (const regress::Workload* w : selected(a)) {
    regress::Digest d;
    w->run(d);
    const uint64_t sum = d.checksum();
    const std::string outputs_path = a.golden_dir + "/outputs/" + w->name + ".txt";
    if (update) {
      golden.set(w->name, sum);
      regress::write_outputs(outputs_path, d.outputs());
      std::printf("%-34s %s\n", w->name.c_str(), regress::hex(sum).c_str());
      continue;
    }
    const uint64_t* expected = golden.find(w->name);
    if (expected && *expected == sum) {
      std::printf("%-34s %s  ok\n", w->name.c_str(), regress::hex(sum).c_str());
      continue;
    }
    ++failed;
    if (!expected) {
      std::printf("%-34s %s  FAILED: no checksum in %s\n", w->name.c_str(),
                  regress::hex(sum).c_str(), golden_path.c_str());
      continue;
    }
    std::string where = regress::first_difference(regress::read_outputs(outputs_path), d.outputs());
    if (where.empty()) where = "the outputs match " + outputs_path + ", which is out of date";
    std::printf("%-34s %s  FAILED: expected %s; first difference: %s\n", w->name.c_str(),
                regress::hex(sum).c_str(), regress::hex(*expected).c_str(), where.c_str());
  }
  if (update) {
    golden.history.push_back(today() + " " + a.reason);
    regress::write_golden(golden_path, golden);
    std::printf("wrote %s\n", golden_path.c_str());
    return 0;
  }
  if (failed) std::printf("%d workload(s) differ from %s\n", failed, golden_path.c_str());
  return failed ? 1 : 0;
}

int run(const Args& a, const char* argv0) {
  if (a.mode == "help") {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (a.mode == "simd-paths") {
    namespace k = nn::kernels;
    std::string paths;
    for (k::Isa isa : {k::Isa::scalar, k::Isa::avx2, k::Isa::avx512}) {
      if (k::cpu_supports(isa)) paths += std::string(paths.empty() ? "" : " ") + k::isa_name(isa);
    }
    std::printf("%s\n", paths.c_str());
    return 0;
  }
  if (a.mode == "list") {
    for (const regress::Workload* w : selected(a)) {
      std::printf("%-34s %s\n", w->name.c_str(), w->description.c_str());
    }
    return 0;
  }
  if (a.mode == "time-once") {
    const regress::Workload* w = regress::find_workload(a.time_once);
    if (!w) throw UsageError{"--time-once " + a.time_once + ": no such workload"};
    std::printf("%.9f\n", regress::time_fastest(*w, 0.3));
    return 0;
  }
  if (a.mode == "time") {
    regress::print_times(selected(a), a.repeats);
    return 0;
  }
  if (a.mode == "ab") {
    std::error_code ec;
    std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) self = argv0;
    regress::run_ab(self, a.ab_binary, selected(a), a.repeats);
    return 0;
  }
  if (a.mode == "check" || a.mode == "update") return check(a, a.mode == "update");
  for (const regress::Workload* w : selected(a)) {
    regress::Digest d;
    w->run(d);
    std::printf("%-34s %s\n", w->name.c_str(), regress::hex(d.checksum()).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv), argv[0]);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "phantom-regress: %s\n(phantom-regress --help lists the options)\n",
                 e.message.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phantom-regress: %s\n", e.what());
    return 1;
  }
}
