// Writes the committed seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/.
//
//   ./build-fuzz/tests/fuzz/make_seeds tests/fuzz/corpus
//
// Text seeds are written from the literals below; binary seeds (state dicts and checkpoints)
// from small runs set up as the targets load them (trainer_setups.hpp), so rerun this after a
// format change. Files named regress-* are the reproducers of problems fuzzing or a bad-input
// trial found; each must keep being accepted or rejected with a phantom::Error.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "nn/serialize.hpp"
#include "trainer_setups.hpp"

namespace fs = std::filesystem;

namespace {

std::string root;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root + "/" + target);
  fuzz::write_file(root + "/" + target + "/" + name, bytes);
}

// A state dict file's bytes as an input of the odd framing (payload length and CRC filled in).
std::string framed(const nn::StateDict& dict) {
  return fuzz::seed_bytes(nn::encode_state_dict(dict));
}

// The same dict as an input of the even framing (the bytes as they are, checksum included).
std::string raw(const nn::StateDict& dict) {
  const std::vector<uint8_t> b = nn::encode_state_dict(dict);
  return std::string(1, '\0') + std::string(b.begin(), b.end());
}

void text_seeds() {
  seed("policy_mapping", "forms",
       "# every form\nshop = type Seller\nbuyers = ids B1, B2\n"
       "fixed = constant : ids S2 with value = 5\n"
       "held = counter : type Learner with n = 3, flag = true, "
       "name = \"x y\"\n");
  seed("policy_mapping", "one-line", "a = ids S1; b = constant : type Buyer with value = -1e3");
  seed("policy_mapping", "quoted", "\"p 1\" = ids \"S1\",\n  S2\n");
  seed("policy_mapping", "regress-signed-int", "p = counter : ids S1 with n = \"+5\"\n");
  seed("policy_mapping", "regress-spaced-int", "p = counter : ids S1 with n = \" 5\"\n");

  seed("env_config", "all-kinds",
       "customers = 5\nweights = [0.5, 0.25, 0.25]\nprice = uniform(1, 2)\n"
       "noise = normal(0, 0.1, clip_low = -1)\norders = uniform_int(0, 4)\n"
       "cost = linspace(0, 1, 5)\nstock = arange(0, 100, 10, name = \"initial stock\")\n");
  seed("env_config", "one-line", "steps = 100; price = uniform(1, 2) # comment");
  seed("env_config", "regress-arange-huge-start", "x = arange(1e30, 1.00000000000000015e30, 1)\n");
  seed("env_config", "regress-linspace-count", "x = linspace(0, 1, 100000000000)\n");

  const std::string metrics = "iteration,reward_mean,note\n1,0.5,a\n2,,\"b,c\"\n";
  seed("csv_reader", "metrics", metrics);
  seed("csv_reader", "quoted", "a,\"b\"\"c\"\r\n\"x\ny\",2\r\n3,\"\"\n");
  seed("csv_reader", "torn", "iteration,loss\n1,0.5\n2,0.");
  seed("csv_reader", "numbers", "x,y\ninf,-0\nnan,1e-320\n1.2e-322,-1e308\n");
  seed("csv_reader", "regress-bom", "\xEF\xBB\xBFiteration\n1\n");

  seed("csv_append", "fixed-columns", std::string(1, '\0') + metrics);
  seed("csv_append", "own-header-torn", std::string(1, '\1') + "a,b\n1,2\n3,");
  seed("csv_append", "empty", std::string(1, '\0'));
  seed("csv_append", "regress-bom", std::string(1, '\0') + "\xEF\xBB\xBF" + metrics);
  seed("csv_append", "regress-bom-own-header",
       std::string(1, '\1') + "\xEF\xBB\xBF" + "a,b\n1,2\n");

  seed("batch_json", "two-policies",
       R"({"type":"MultiAgentBatch","count":3,"policy_batches":{"a":{"obs":[[0.5,1.0],[2.0,-0.0]],)"
       R"("eps_id":[7,7],"actions":[1.0,0.0]},"b \"q\"":{"rewards":[NaN,Infinity,-Infinity]}}})");
  seed(
      "batch_json", "floats",
      R"({"type":"MultiAgentBatch","count":0,"policy_batches":{"p":{"x":[1e-45,3.4028235e+38,)"
      R"(0.1,16777216.0,-1.1754944e-38],"t":[-9223372036854775808,1,2,3,4]}},"extra":[true,null]})");
  seed("batch_json", "lines",
       "{\"type\":\"MultiAgentBatch\",\"count\":1,\"policy_batches\":{}}\n\n{\"ty");

  seed("resume_metrics", "regress-text-cell", "iteration\nx\n");
  seed("resume_metrics", "regress-empty-cell", "iteration\n1\n\n");
  seed("resume_metrics", "regress-exponent-cell", "iteration\n1e3\n");
  seed("resume_metrics", "regress-huge-cell", "iteration\n99999999999999999999\n");
  seed("resume_metrics", "regress-spaced-cell", "iteration\n 2\n");

  seed("results_dir", "plain", "cartpole\nrun-a\n");
  seed("results_dir", "no-newline", "exp\nrun-b");
  seed("results_dir", "regress-dotdot-nul", std::string("e\n..\0", 5));
  seed("results_dir", "regress-dot", "e\n.\n");
  seed("results_dir", "regress-nul", std::string("e\n\0", 3));
  seed("results_dir", "regress-dotdot-experiment", "..\nrun-a\n");

  seed("plot_args", "line", "m.csv\n-o\nout.svg");
  seed("plot_args", "columns", "m.csv\n-o\nout.svg\n--x\niteration\n--y\nloss\n--title\nT");
  seed("plot_args", "hist", "m.csv\n-o\nh.svg\n--hist\nloss\n--bins\n7");
  seed("plot_args", "help", "--help");
  seed("plot_args", "regress-hist-equal-huge",
       "v\n1e17\n1e17\n1e17\n%%\nm.csv\n-o\nh.svg\n--hist\nv");
  seed("plot_args", "own-csv", "iteration,a_reward_mean\n1,2\n2,3\n%%\nm.csv\n-o\nx.svg");

  seed("number_format", "decimal", "0.1");
  seed("number_format", "integer", "-9223372036854775808");
  seed("number_format", "inf", "-inf");
  seed("number_format", "regress-subnormal", "1.2e-322");
  seed("number_format", "regress-plus", "+5");
  seed("number_format", "regress-space", " 5");
  seed("number_format", "bits", std::string("\x01\x00\x00\x00\x00\x00\xf0\x7f", 8));
}

void state_dict_seeds() {
  nn::StateDict d;
  d.set_tensor("w", nn::Tensor::from_vector({1.0f, -0.0f, 2.5f, 1e-40f}, {2, 2}));
  d.set_tensor("scalar", nn::Tensor::from_vector({3.0f}, {}));
  d.set_float("lr", 3e-4);
  d.set_int("count", 7);
  d.set_string("bytes", std::string("a\0b", 3));
  d.set_rng("rng", nn::Rng(5, 2));
  d.set_doubles("doubles", {0.5, -1.0});
  d.set_int64s("ints", {1, -2});
  seed("state_dict", "all-kinds", framed(d));
  seed("state_dict", "all-kinds-raw", raw(d));

  // A tensor whose dimensions claim 2^62 elements and whose values are missing.
  nn::StateDict t;
  t.set_tensor("t", nn::Tensor::from_vector({1.0f}, {1, 1}));
  std::vector<uint8_t> b = nn::encode_state_dict(t);
  // Entry layout after the 32-byte header: kind u32, name length u32, name, rank u32, dims i64.
  const std::size_t dims = 32 + 4 + 4 + 1 + 4;
  for (int k = 0; k < 2; ++k) {
    const uint64_t v = uint64_t{1} << 31;
    for (int i = 0; i < 8; ++i) b[dims + 8 * k + i] = static_cast<uint8_t>((v >> (8 * i)) & 0xFF);
  }
  seed("state_dict", "regress-huge-tensor", fuzz::seed_bytes(b));
}

// Checkpoints of a small run of each trainer, and hostile variants with valid checksums.
void checkpoint_seeds() {
  const std::string dir = fuzz::scratch_dir();
  {
    phantom::TrainOptions run = fuzz::ppo_run(2);
    run.results_dir = dir + "/ppo";
    phantom::PpoTrainer trainer(fuzz::ppo_options());
    const std::string run_dir = trainer.train(fuzz::supply_chain_env, {}, run).run_dir;
    const nn::StateDict c1 = nn::load_state_dict(run_dir + "/checkpoint-000001.bin");
    const nn::StateDict c2 = nn::load_state_dict(run_dir + "/checkpoint-000002.bin");
    seed("ppo_checkpoint", "iteration-1", framed(c1));
    seed("ppo_checkpoint", "iteration-2", framed(c2));
    seed("ppo_checkpoint", "iteration-2-raw", raw(c2));
    nn::StateDict bad = c2;
    bad.set_int("ppo.worker.policy.shop.optimizer.adam.step", int64_t{1} << 62);
    seed("ppo_checkpoint", "regress-adam-step", framed(bad));
  }
  {
    phantom::TrainOptions run = fuzz::q_run(2);
    run.results_dir = dir + "/q";
    phantom::QLearningTrainer trainer(fuzz::q_options());
    const std::string run_dir = trainer.train(fuzz::chain_env, {}, run).run_dir;
    const nn::StateDict c2 = nn::load_state_dict(run_dir + "/checkpoint-000002.bin");
    seed("q_checkpoint", "iteration-2", framed(c2));
    seed("q_checkpoint", "iteration-2-raw", raw(c2));
    const std::string table = "qlearning.worker.policy.walkers.weights";
    nn::StateDict bad = c2;
    bad.set_int(table + ".states", int64_t{1} << 24);
    bad.set_int(table + ".actions", int64_t{1} << 24);
    seed("q_checkpoint", "regress-huge-q-table", framed(bad));
    bad = c2;
    bad.set_int("trainer.iteration", INT64_MAX);
    seed("q_checkpoint", "regress-huge-counter", framed(bad));

    seed("resume_metrics", "valid", fuzz::read_file(run_dir + "/metrics.csv"));
    seed("resume_metrics", "regress-bom",
         "\xEF\xBB\xBF" + fuzz::read_file(run_dir + "/metrics.csv"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (tests/fuzz/corpus)\n");
    return 2;
  }
  root = argv[1];
  text_seeds();
  state_dict_seeds();
  checkpoint_seeds();
  return 0;
}
