// Telemetry (Python Phantom's tests/test_telemetry.py) and the bugs we fix: file logging without
// metrics, sent and dropped messages, consistent done flags, closed files, unfinished episodes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include <unistd.h>  // getpid

#include "phantom/fsm_env.hpp"
#include "phantom/telemetry.hpp"
#include "supply_chain.hpp"
#include "support/json_parser.hpp"

namespace {

using phantom::AgentFilter;
using phantom::Context;
using phantom::FileOptions;
using phantom::PrintOptions;
using phantom::TelemetryLogger;

// A payload that describes its fields, and one that does not.
struct Ping {
  int value;
  double weight;
  char tag[8];
  template <class W>
  void describe(W& w) const {
    w("value", value);
    w("weight", weight);
    w("tag", tag);
  }
};
struct Pong {
  int echoed;
};
static_assert(phantom::has_describe_v<Ping>);
static_assert(!phantom::has_describe_v<Pong>);

// Python's MockStrategicAgent: observes the elapsed fraction, reward 0.5, done at the env's last
// step (or at `done_at`). With a target, each action sends it a Ping carrying the action.
class Talker : public phantom::StrategicAgent {
 public:
  Talker(std::string id, std::string target = "", std::optional<int64_t> done_at = std::nullopt)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})),
        target_(std::move(target)),
        done_at_(done_at) {
    on<Pong>([this](Context&, const phantom::Message<Pong>& m) { pongs += m.payload.echoed; });
    on<Ping>([](Context&, const phantom::Message<Ping>&) {});
  }
  bool encode_observation(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.env_view().proportion_time_elapsed);
    return true;
  }
  void decode_action(Context& ctx, const float* action) override {
    if (!target_.empty()) ctx.send(target_, Ping{static_cast<int>(action[0] * 10), 1.5, "hi"});
  }
  double compute_reward(Context&) override { return 0.5; }
  bool is_terminated(Context& ctx) override { return done(ctx); }
  bool is_truncated(Context& ctx) override { return done(ctx); }
  void collect_infos(Context& ctx, phantom::Infos& infos) override {
    infos.set("step", static_cast<double>(ctx.env_view().current_step));
  }
  int pongs = 0;

 private:
  bool done(Context& ctx) const {
    int64_t step = ctx.env_view().current_step;
    return done_at_ ? step == *done_at_ : ctx.env_view().proportion_time_elapsed >= 1.0;
  }
  std::string target_;
  std::optional<int64_t> done_at_;
};

// Answers every Ping with a Pong (Python's MockAgent, with a reply to exercise resolver rounds).
class Echo : public phantom::Agent {
 public:
  explicit Echo(std::string id) : Agent(std::move(id)) {
    on<Ping>([](Context& ctx, const phantom::Message<Ping>& m) {
      ctx.send(m.sender, Pong{m.payload.value});
    });
    on<Pong>([](Context&, const phantom::Message<Pong>&) {});
  }
};

// Python's MockEnv: a1, a2 strategic, a3 plain; a1-a2, a2-a3, a3-a1; 5 steps. With `talk`, a1
// pings a3 on every action.
std::unique_ptr<phantom::PhantomEnv> mock_env(bool talk = false,
                                              std::optional<int64_t> a2_done_at = std::nullopt) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Talker>("a1", talk ? "a3" : "");
  net->emplace<Talker>("a2", "", a2_done_at);
  net->emplace<Echo>("a3");
  net->add_connection("a1", "a2");
  net->add_connection("a2", "a3");
  net->add_connection("a3", "a1");
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 5);
}

// reset, then `steps` steps (at most until the episode ends) with action 0.5 for every agent.
void run(phantom::PhantomEnv& env, int steps = 1000) {
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  for (int i = 0; i < env.num_strategic(); ++i) actions.set(i)[0] = 0.5f;
  for (int s = 0; s < steps && !env.done(); ++s) env.step(actions);
}

std::shared_ptr<phantom::SimpleEnvMetric<phantom::PhantomEnv>> step_metric() {
  return std::make_shared<phantom::SimpleEnvMetric<phantom::PhantomEnv>>(
      [](const phantom::PhantomEnv& e) { return static_cast<double>(e.current_step()); });
}

// A fresh path in the test temp dir, named after the running test and process (test programs of
// several checkouts may run at once).
std::string temp_path(const std::string& suffix = "log.jsonl") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "phantom_telemetry_" + std::to_string(::getpid()) +
                     "_" + info->test_suite_name() + "_" + info->name() + "_" + suffix;
  std::remove(path.c_str());
  return path;
}

bool exists(const std::string& path) {
  return std::ifstream(path).good();
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<json_test::Value> episodes(const std::string& path) {
  return json_test::parse_lines(read(path));
}

// The step messages as "event sender->receiver" strings.
std::vector<std::string> message_summary(const json_test::Value& step) {
  std::vector<std::string> out;
  for (const auto& m : step["messages"].items)
    out.push_back(m["event"].text + " " + m["sender_id"].text + "->" + m["receiver_id"].text);
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// The Python test, ported
// ---------------------------------------------------------------------------------------------

// Print filters all on and a metric configured, but printing not enabled and no file: nothing is
// recorded or written.
TEST(Telemetry, NothingWrittenWhenNotEnabled) {
  std::ostringstream out;
  PrintOptions print;
  print.enable = false;
  print.metrics = {{"step", step_metric()}};
  print.out = &out;
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_printing(print);
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env, 5);
  EXPECT_FALSE(logger->recording());
  EXPECT_FALSE(logger->file_open());
  EXPECT_TRUE(out.str().empty());
  EXPECT_FALSE(exists(temp_path("log.json")));
}

TEST(Telemetry, FileHoldsResetPlusEachStep) {
  std::string path = temp_path("log.json");
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path, true, false, {{"step", step_metric()}}});
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env, 5);
  ASSERT_TRUE(env->done());  // truncated at step 5: the episode is written
  EXPECT_FALSE(logger->recording());
  EXPECT_EQ(logger->episodes_written(), 1);

  auto docs = episodes(path);
  ASSERT_EQ(docs.size(), 1u);
  const json_test::Value& ep = docs[0];
  EXPECT_EQ(ep.keys(), (std::set<std::string>{"start", "steps"}));
  ASSERT_EQ(ep["steps"].size(), 6u);
  EXPECT_EQ(ep["steps"][0].keys(), (std::set<std::string>{"messages", "metrics", "observations"}));
  EXPECT_EQ(ep["steps"][1].keys(),
            (std::set<std::string>{"actions", "terminations", "truncations", "infos", "messages",
                                   "metrics", "observations", "rewards"}));
  logger->close_file();
  EXPECT_FALSE(logger->file_open());
}

// ---------------------------------------------------------------------------------------------
// File content
// ---------------------------------------------------------------------------------------------

TEST(Telemetry, StepValues) {
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path, true, false, {{"step", step_metric()}}});
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env, 5);
  const json_test::Value ep = episodes(path).at(0);
  // The start time is UTC ISO 8601 with microseconds.
  EXPECT_EQ(ep["start"].text.size(), 27u);
  EXPECT_EQ(ep["start"].text.back(), 'Z');

  const json_test::Value& s0 = ep["steps"][0];
  EXPECT_EQ(s0["metrics"].type, json_test::Value::Type::object);  // Python: a list here
  EXPECT_EQ(s0["metrics"].size(), 0u);
  EXPECT_EQ(s0["observations"]["a1"][0].number, 0.0);

  const json_test::Value& s1 = ep["steps"][1];
  EXPECT_EQ(s1["actions"]["a1"][0].number, 0.5);
  EXPECT_EQ(s1["observations"]["a2"][0].text, "0.2");  // float precision, shortest form
  EXPECT_EQ(s1["rewards"]["a1"].number, 0.5);
  EXPECT_FALSE(s1["terminations"]["a1"].boolean);
  EXPECT_FALSE(s1["truncations"]["a2"].boolean);
  EXPECT_EQ(s1["infos"]["a1"]["step"].number, 1.0);
  EXPECT_EQ(s1["metrics"]["step"].number, 1.0);
  // Key order follows the step: messages, actions, then the results.
  EXPECT_EQ(s1.key_order(),
            (std::vector<std::string>{"messages", "actions", "observations", "rewards",
                                      "terminations", "truncations", "infos", "metrics"}));
  const json_test::Value& s5 = ep["steps"][5];
  EXPECT_TRUE(s5["truncations"]["a1"].boolean);
  EXPECT_TRUE(s5["terminations"]["a2"].boolean);
}

// Fixed: Python crashed when file logging had no metrics.
TEST(Telemetry, FileLoggingWithoutMetrics) {
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env);
  const json_test::Value ep = episodes(path).at(0);
  ASSERT_EQ(ep["steps"].size(), 6u);
  for (const auto& step : ep["steps"].items) {
    EXPECT_EQ(step["metrics"].type, json_test::Value::Type::object);
    EXPECT_EQ(step["metrics"].size(), 0u);
  }
}

// Fixed: Python recorded the list of done ids; here every live agent's flag, and agents that
// finished earlier are no longer listed.
TEST(Telemetry, DoneFlagsForLiveAgents) {
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  auto env = mock_env(false, /*a2_done_at=*/1);
  env->set_telemetry(logger);
  run(*env);
  const json_test::Value ep = episodes(path).at(0);
  const json_test::Value& s1 = ep["steps"][1];
  EXPECT_EQ(s1["terminations"].keys(), (std::set<std::string>{"a1", "a2"}));
  EXPECT_FALSE(s1["terminations"]["a1"].boolean);
  EXPECT_TRUE(s1["terminations"]["a2"].boolean);
  EXPECT_TRUE(s1["truncations"]["a2"].boolean);
  const json_test::Value& s2 = ep["steps"][2];
  EXPECT_EQ(s2["terminations"].keys(), (std::set<std::string>{"a1"}));
  EXPECT_EQ(s2["truncations"].keys(), (std::set<std::string>{"a1"}));
  EXPECT_EQ(s2["observations"].keys(), (std::set<std::string>{"a1"}));
  EXPECT_EQ(s2["rewards"].keys(), (std::set<std::string>{"a1"}));
}

// Fixed: Python logged received messages only. Sends come first (during action decoding), then
// each round's deliveries and the replies they cause.
TEST(Telemetry, SentAndReceivedMessagesWithPayloadFields) {
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  auto env = mock_env(/*talk=*/true);
  env->set_telemetry(logger);
  run(*env, 1);
  logger->close_file();  // the running episode is written, marked unfinished

  const json_test::Value ep = episodes(path).at(0);
  EXPECT_TRUE(ep["unfinished"].boolean);
  const json_test::Value& s1 = ep["steps"][1];
  EXPECT_EQ(message_summary(s1), (std::vector<std::string>{"send a1->a3", "receive a1->a3",
                                                           "send a3->a1", "receive a3->a1"}));
  const json_test::Value& ping = s1["messages"][0];
  EXPECT_NE(ping["type"].text.find("Ping"), std::string::npos);
  EXPECT_EQ(ping["payload"]["value"].number, 5.0);
  EXPECT_EQ(ping["payload"]["weight"].number, 1.5);
  EXPECT_EQ(ping["payload"]["tag"].text, "hi");
  EXPECT_EQ(ping.key_order(),
            (std::vector<std::string>{"event", "sender_id", "receiver_id", "type", "payload"}));
  const json_test::Value& pong = s1["messages"][2];
  EXPECT_NE(pong["type"].text.find("Pong"), std::string::npos);
  EXPECT_TRUE(pong["payload"].is_null());  // no describe(): the type name alone
  EXPECT_EQ(ep["steps"][0]["messages"].size(), 0u);
}

// Fixed: messages to agents that are done were dropped silently; now they are logged.
TEST(Telemetry, DroppedMessagesAreRecorded) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Talker>("a1", "a2");
  net->emplace<Talker>("a2", "", /*done_at=*/1);
  net->add_connection("a1", "a2");
  phantom::PhantomEnv env(std::move(net), 5);
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  env.set_telemetry(logger);
  run(env, 2);
  logger->close_file();

  const json_test::Value ep = episodes(path).at(0);
  EXPECT_EQ(message_summary(ep["steps"][1]),
            (std::vector<std::string>{"send a1->a2", "receive a1->a2"}));
  const json_test::Value& s2 = ep["steps"][2];
  EXPECT_EQ(message_summary(s2), (std::vector<std::string>{"send a1->a2", "drop a1->a2"}));
  EXPECT_EQ(s2["messages"][1]["reason"].text, "receiver_done");
}

TEST(Telemetry, MessagesWithoutConnectionAreDroppedVisibly) {
  phantom::NetworkOptions options;
  options.ignore_connection_errors = true;
  auto net = std::make_unique<phantom::Network>(nullptr, options);
  net->emplace<Talker>("a1", "a3");
  net->emplace<Echo>("a3");  // not connected
  phantom::PhantomEnv env(std::move(net), 5);
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  env.set_telemetry(logger);
  run(env, 1);
  logger->close_file();
  const auto docs = episodes(path);
  const json_test::Value& msg = docs.at(0)["steps"][1]["messages"][1];
  EXPECT_EQ(msg["event"].text, "drop");
  EXPECT_EQ(msg["reason"].text, "no_connection");
}

// Python's print code broke on ids that need escaping; the file must stay valid JSON whatever
// the ids, payload strings and numbers.
class Weird : public phantom::StrategicAgent {
 public:
  explicit Weird(std::string id)
      : StrategicAgent(std::move(id), phantom::box(-INFINITY, INFINITY, {3}),
                       phantom::box(0, 1, {1})) {}
  bool encode_observation(Context&, float* out) override {
    out[0] = std::numeric_limits<float>::quiet_NaN();
    out[1] = INFINITY;
    out[2] = 0.1f;
    return true;
  }
  void decode_action(Context&, const float*) override {}
  double compute_reward(Context&) override { return -INFINITY; }
  void collect_infos(Context&, phantom::Infos& infos) override {
    infos.set("nan \"quoted\"", std::nan(""));
  }
};

TEST(Telemetry, FileIsValidJsonForAnyIdAndNumber) {
  auto net = std::make_unique<phantom::Network>();
  const std::string weird_id = "q\"b\\s\n\t\x01 \xc3\xa9 \xff end";  // quote, escapes, é, bad byte
  net->emplace<Weird>(weird_id);
  phantom::PhantomEnv env(std::move(net), 2);
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  env.set_telemetry(logger);
  run(env);
  std::string text = read(path);
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1);  // one episode, one line
  const json_test::Value ep = episodes(path).at(0);
  const json_test::Value& s1 = ep["steps"][1];
  ASSERT_EQ(s1["observations"].size(), 1u);
  const std::string& id = s1["observations"].members[0].first;
  EXPECT_EQ(id, "q\"b\\s\n\t\x01 \xc3\xa9 \xef\xbf\xbd end");  // the bad byte became U+FFFD
  const json_test::Value& obs = s1["observations"][id];
  EXPECT_TRUE(obs[0].is_null());  // NaN
  EXPECT_TRUE(obs[1].is_null());  // inf
  EXPECT_EQ(obs[2].text, "0.1");
  EXPECT_TRUE(s1["rewards"][id].is_null());
  EXPECT_TRUE(s1["infos"][id]["nan \"quoted\""].is_null());
}

TEST(Telemetry, HumanReadableIndentsEachEpisode) {
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path, true, /*human_readable=*/true});
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env);
  run(*env);
  std::string text = read(path);
  EXPECT_TRUE(contains(text, "{\n  \"start\": \""));
  EXPECT_TRUE(contains(text, "\n  \"steps\": [\n    {\n      \"messages\": [],\n"));
  auto docs = json_test::parse_sequence(text);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1]["steps"].size(), 6u);
}

// A whole supply-chain episode: 101 step objects, payload fields from describe(), one line.
TEST(Telemetry, SupplyChainEpisode) {
  auto env = supply_chain::make_env();
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  env->set_telemetry(logger);
  env->reset(7);
  phantom::Actions actions = env->make_actions();
  while (!env->done()) {
    actions.set(0)[0] = 12.0f;
    env->step(actions);
  }
  auto docs = episodes(path);
  ASSERT_EQ(docs.size(), 1u);
  const json_test::Value& steps = docs[0]["steps"];
  ASSERT_EQ(steps.size(), 101u);
  const json_test::Value& first = steps[1]["messages"][0];
  EXPECT_EQ(first["event"].text, "send");
  EXPECT_EQ(first["sender_id"].text, "SHOP");
  EXPECT_EQ(first["type"].text, "supply_chain::StockRequest");
  EXPECT_EQ(first["payload"]["size"].number, 12.0);
  // The step limit ends the episode; the shop's own flag stays false, and the episode is whole.
  EXPECT_FALSE(steps[100]["truncations"]["SHOP"].boolean);
  EXPECT_FALSE(docs[0].has("unfinished"));
}

// ---------------------------------------------------------------------------------------------
// Files: append, truncate, reconfigure, errors, unfinished episodes
// ---------------------------------------------------------------------------------------------

TEST(Telemetry, AppendKeepsEarlierEpisodesTruncateDiscardsThem) {
  std::string path = temp_path();
  auto env = mock_env();
  auto episode_with = [&](bool append) {
    auto logger = std::make_shared<TelemetryLogger>();
    logger->configure_file({path, append});
    env->set_telemetry(logger);
    run(*env);
    env->set_telemetry(nullptr);
  };
  episode_with(true);
  episode_with(true);
  EXPECT_EQ(episodes(path).size(), 2u);
  episode_with(false);
  EXPECT_EQ(episodes(path).size(), 1u);
}

TEST(Telemetry, UnfinishedEpisodeWrittenWhenLoggerIsDestroyed) {
  std::string path = temp_path();
  {
    auto env = mock_env();
    auto logger = std::make_shared<TelemetryLogger>();
    logger->configure_file({path});
    env->set_telemetry(logger);
    logger.reset();  // the env keeps it alive
    run(*env, 2);
  }
  const json_test::Value ep = episodes(path).at(0);
  EXPECT_TRUE(ep["unfinished"].boolean);
  EXPECT_EQ(ep["steps"].size(), 3u);
}

// Fixed: Python dropped an episode that was reset before it ended.
TEST(Telemetry, ResetBeforeTheEndWritesTheEpisodeUnfinished) {
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env, 2);
  run(*env);
  auto docs = episodes(path);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_TRUE(docs[0]["unfinished"].boolean);
  EXPECT_EQ(docs[0]["steps"].size(), 3u);
  EXPECT_FALSE(docs[1].has("unfinished"));
  EXPECT_EQ(docs[1]["steps"].size(), 6u);
}

// Fixed: Python never closed the previous file. The running episode goes to the old file, and the
// new file starts with the next reset.
TEST(Telemetry, ReconfiguringClosesTheOldFile) {
  std::string first = temp_path("first.jsonl"), second = temp_path("second.jsonl");
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({first});
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env, 1);
  logger->configure_file({second});
  EXPECT_EQ(logger->file_options()->path, second);
  EXPECT_FALSE(logger->recording());
  auto old_docs = episodes(first);  // complete on disk: the old file was flushed and closed
  ASSERT_EQ(old_docs.size(), 1u);
  EXPECT_TRUE(old_docs[0]["unfinished"].boolean);
  EXPECT_EQ(old_docs[0]["steps"].size(), 2u);

  phantom::Actions actions = env->make_actions();
  env->step(actions);  // not recorded: the new file starts at the next reset
  EXPECT_EQ(read(second), "");
  run(*env);
  auto docs = episodes(second);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["steps"].size(), 6u);
  EXPECT_EQ(episodes(first).size(), 1u);
}

TEST(Telemetry, BadPathErrorNamesThePath) {
  const std::string path = "/nonexistent-phantom-dir/sub/log.jsonl";
  TelemetryLogger logger;
  try {
    logger.configure_file({path});
    FAIL() << "expected an error";
  } catch (const phantom::Error& e) {
    EXPECT_TRUE(contains(e.what(), path)) << e.what();
    EXPECT_TRUE(contains(e.what(), "cannot open")) << e.what();
  }
  EXPECT_FALSE(logger.file_open());
  EXPECT_THROW(logger.configure_file({""}), phantom::Error);
  EXPECT_THROW(logger.configure_file({temp_path(), true, false, {{"x", nullptr}}}),
               phantom::ConfigError);
}

TEST(Telemetry, DetachedLoggerSeesNothing) {
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  auto env = mock_env(true);
  env->set_telemetry(logger);
  env->set_telemetry(nullptr);
  EXPECT_EQ(env->network().resolver().telemetry(), nullptr);
  run(*env);
  logger->close_file();
  EXPECT_EQ(read(path), "");
}

// ---------------------------------------------------------------------------------------------
// Terminal output
// ---------------------------------------------------------------------------------------------

std::string printed(phantom::PhantomEnv& env, PrintOptions options, int steps = 1000) {
  std::ostringstream out;
  options.out = &out;
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_printing(options);
  env.set_telemetry(logger);
  run(env, steps);
  env.set_telemetry(nullptr);
  return out.str();
}

TEST(Telemetry, TerminalOutput) {
  auto env = mock_env(/*talk=*/true);
  PrintOptions options;
  options.metrics = {{"step", step_metric()}};
  std::string text = printed(*env, options);
  const std::string eq(80, '='), dash(80, '-');
  EXPECT_TRUE(contains(text, eq + "\nENV RESET\n" + dash +
                                 "\n    OBSERVATIONS:\n"
                                 "        a1: [0]\n        a2: [0]\n"))
      << text;
  EXPECT_TRUE(contains(text, eq + "\nSTEP 1/5:\n" + dash +
                                 "\n    ACTIONS:\n"
                                 "        a1: [0.5]\n        a2: [0.5]\n    DECODING ACTIONS:\n"))
      << text;
  EXPECT_TRUE(contains(text,
                       "        SEND         a1 --> a3         (Ping)               "
                       "value: 5, weight: 1.5, tag: \"hi\"\n"))
      << text;
  // The default resolver's round limit (10,000); "inf" is printed for an unlimited one (0).
  EXPECT_TRUE(contains(text, "    RESOLVER ROUND 1/10000:\n        RECV         a1 --> a3"))
      << text;
  EXPECT_TRUE(contains(text,
                       "    RESOLVER ROUND 2/10000:\n        RECV         a3 --> a1"
                       "         (Pong)\n"))
      << text;
  EXPECT_TRUE(contains(text, "    REWARDS:\n        a1: 0.50\n        a2: 0.50\n")) << text;
  EXPECT_TRUE(contains(text, "    TERMINATIONS: None\n    TRUNCATIONS: None\n")) << text;
  EXPECT_TRUE(contains(text, "    INFOS:\n        a1: {step: 1}\n")) << text;
  EXPECT_TRUE(contains(text, "    METRICS:\n        step                           : 1\n")) << text;
  EXPECT_TRUE(contains(text, "    TERMINATIONS: a1, a2\n    TRUNCATIONS: a1, a2\n")) << text;
  EXPECT_TRUE(contains(text, "STEP 5/5:")) << text;
  EXPECT_EQ(text.substr(text.size() - 13), "EPISODE DONE\n") << text;
}

TEST(Telemetry, PrintFiltersRestrictToAgentIds) {
  auto env = mock_env(/*talk=*/true);
  PrintOptions options;
  options.actions = AgentFilter::none();
  options.observations = AgentFilter::only({"a2"});
  options.rewards = AgentFilter::only({"a1"});
  options.terminations = AgentFilter::only({"a2"});
  options.infos = AgentFilter::none();
  options.messages = AgentFilter::only({"nobody"});
  std::string text = printed(*env, options);
  EXPECT_FALSE(contains(text, "    ACTIONS:"));
  EXPECT_FALSE(contains(text, "INFOS"));
  EXPECT_FALSE(contains(text, "SEND"));
  EXPECT_TRUE(
      contains(text, "    OBSERVATIONS:\n        a2: [0.2]\n    REWARDS:\n        a1: 0.50\n"))
      << text;
  EXPECT_TRUE(contains(text, "    TERMINATIONS: a2\n    TRUNCATIONS: a1, a2\n")) << text;

  // A message shows when its sender or its receiver is selected.
  options = PrintOptions();
  options.messages = AgentFilter::only({"a1"});
  text = printed(*env, options, 1);
  EXPECT_TRUE(contains(text, "SEND         a1 --> a3")) << text;
  EXPECT_TRUE(contains(text, "SEND         a3 --> a1")) << text;
}

TEST(Telemetry, PrintingAndFileTogether) {
  std::string path = temp_path();
  std::ostringstream out;
  PrintOptions print;
  print.out = &out;
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_printing(print);
  logger->configure_file({path});
  auto env = mock_env();
  env->set_telemetry(logger);
  run(*env);
  EXPECT_TRUE(contains(out.str(), "EPISODE DONE"));
  EXPECT_EQ(episodes(path).size(), 1u);
  logger->disable_printing();
  EXPECT_FALSE(logger->printing());
}

// ---------------------------------------------------------------------------------------------
// FSM envs
// ---------------------------------------------------------------------------------------------

TEST(Telemetry, FsmStepsRecordTheirStages) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Talker>("odd");
  net->emplace<Talker>("even");
  std::vector<phantom::FSMStage> stages = {
      {"ODD", {"odd"}, std::vector<std::string>{"odd"}, {"EVEN"}, nullptr},
      {"EVEN", {"even"}, std::vector<std::string>{"even"}, {"ODD"}, nullptr}};
  phantom::FiniteStateMachineEnv env(std::move(net), 3, "ODD", stages);
  std::string path = temp_path();
  std::ostringstream out;
  PrintOptions print;
  print.out = &out;
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_printing(print);
  logger->configure_file({path});
  env.set_telemetry(logger);
  run(env);

  const json_test::Value ep = episodes(path).at(0);
  ASSERT_EQ(ep["steps"].size(), 4u);
  EXPECT_EQ(ep["steps"][0]["observations"].keys(), (std::set<std::string>{"odd"}));
  const json_test::Value& s1 = ep["steps"][1];
  EXPECT_EQ(s1["fsm_current_stage"].text, "ODD");
  EXPECT_EQ(s1["fsm_next_stage"].text, "EVEN");
  EXPECT_EQ(s1["actions"].keys(), (std::set<std::string>{"odd", "even"}));
  EXPECT_EQ(s1["observations"].keys(), (std::set<std::string>{"even"}));
  EXPECT_EQ(ep["steps"][2]["fsm_current_stage"].text, "EVEN");
  EXPECT_TRUE(contains(out.str(), "    FSM TRANSITION: ODD --> EVEN\n")) << out.str();
}

TEST(Telemetry, FsmEpisodeEndedByHandlerHasNoNextStage) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Talker>("a");
  std::vector<phantom::FSMStage> stages = {
      {"ONLY", {"a"}, std::nullopt, {"ONLY"}, [](phantom::FiniteStateMachineEnv&) {
         return std::optional<std::string>();
       }}};
  phantom::FiniteStateMachineEnv env(std::move(net), 10, "ONLY", stages);
  std::string path = temp_path();
  auto logger = std::make_shared<TelemetryLogger>();
  logger->configure_file({path});
  env.set_telemetry(logger);
  run(env);
  const json_test::Value ep = episodes(path).at(0);
  ASSERT_EQ(ep["steps"].size(), 2u);
  EXPECT_TRUE(ep["steps"][1]["fsm_next_stage"].is_null());
}

// ---------------------------------------------------------------------------------------------
// The JSON writer and payload descriptions
// ---------------------------------------------------------------------------------------------

TEST(TelemetryJson, CompactAndIndented) {
  phantom::Json doc = phantom::Json::object();
  doc.set("a", phantom::Json::integer(-3));
  phantom::Json& list = doc.set("list", phantom::Json::array());
  list.push(phantom::Json::boolean(true));
  list.push(phantom::Json());
  list.push(phantom::Json::unsigned_integer(18446744073709551615ull));
  doc.set("empty", phantom::Json::object());
  doc.set("none", phantom::Json::array());
  EXPECT_EQ(doc.dump(),
            "{\"a\":-3,\"list\":[true,null,18446744073709551615],\"empty\":{},\"none\":[]}");
  EXPECT_EQ(doc.dump(2),
            "{\n  \"a\": -3,\n  \"list\": [\n    true,\n    null,\n    18446744073709551615\n  "
            "],\n  \"empty\": {},\n  \"none\": []\n}");
  EXPECT_NO_THROW(json_test::parse(doc.dump(2)));
}

TEST(TelemetryJson, NumbersRoundTripAndNonFiniteIsNull) {
  auto text = [](phantom::Json j) { return j.dump(); };
  EXPECT_EQ(text(phantom::Json::number(0.1)), "0.1");
  EXPECT_EQ(text(phantom::Json::number(0.1f)), "0.1");
  EXPECT_EQ(text(phantom::Json::number(static_cast<double>(0.1f))), "0.10000000149011612");
  EXPECT_EQ(text(phantom::Json::number(3.0)), "3");
  EXPECT_EQ(text(phantom::Json::number(1e300)), "1e+300");
  EXPECT_EQ(text(phantom::Json::number(std::nan(""))), "null");
  EXPECT_EQ(text(phantom::Json::number(-INFINITY)), "null");
  EXPECT_EQ(text(phantom::Json::number(std::numeric_limits<float>::infinity())), "null");
  double tricky = 0.30000000000000004;
  EXPECT_EQ(json_test::parse(text(phantom::Json::number(tricky))).number, tricky);
}

TEST(TelemetryJson, StringsAreEscaped) {
  auto text = [](const std::string& s) { return phantom::Json::string(s).dump(); };
  EXPECT_EQ(text("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(text("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(text(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(text(std::string("nul\0in", 6)), "\"nul\\u0000in\"");
  EXPECT_EQ(text("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  // Invalid UTF-8: a lone continuation byte, an overlong form, a surrogate, a truncated sequence.
  EXPECT_EQ(text("\x80"), "\"\\ufffd\"");
  EXPECT_EQ(text("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(text("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(text("ab\xe2\x82"), "\"ab\\ufffd\\ufffd\"");
  for (const char* s : {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "x\xe2\x82"})
    EXPECT_NO_THROW(json_test::parse(text(s))) << s;
}

// The test parser itself rejects what a strict reader rejects.
TEST(TelemetryJson, TestParserIsStrict) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "NaN", "01", "1.", "-", "\"\x01\"",
                          "\"\\x\"", "\"\\ud800\"", "{\"a\":1,\"a\":2}", "1 2", "\"\xff\""}) {
    EXPECT_THROW(json_test::parse(bad), std::runtime_error) << bad;
  }
  EXPECT_EQ(json_test::parse("\"\\ud83d\\ude00\"").text, "\xf0\x9f\x98\x80");
  EXPECT_EQ(json_test::parse(" [1, -0.5e+2, {\"k\": [true, false, null]}] ")[1].number, -50.0);
}

enum class Side : uint8_t { buy = 1, sell = 2 };
struct Order {
  Side side;
  bool urgent;
  uint64_t id;
  float price;
  char venue[4];  // not NUL-terminated when full
  const char* note;
  template <class W>
  void describe(W& w) const {
    w("side", side);
    w("urgent", urgent);
    w("id", id);
    w("price", price);
    w("venue", venue);
    w("note", note);
  }
};

class FieldsAsJson : public phantom::FieldWriter {
 public:
  phantom::Json object = phantom::Json::object();

 protected:
  void write_null(const char* n) override { object.set(n, phantom::Json()); }
  void write_bool(const char* n, bool v) override { object.set(n, phantom::Json::boolean(v)); }
  void write_int(const char* n, int64_t v) override { object.set(n, phantom::Json::integer(v)); }
  void write_uint(const char* n, uint64_t v) override {
    object.set(n, phantom::Json::unsigned_integer(v));
  }
  void write_float(const char* n, float v) override { object.set(n, phantom::Json::number(v)); }
  void write_double(const char* n, double v) override { object.set(n, phantom::Json::number(v)); }
  void write_string(const char* n, std::string_view v) override {
    object.set(n, phantom::Json::string(std::string(v)));
  }
};

TEST(TelemetryPayloadFields, EveryFieldKindAndRegistration) {
  (void)phantom::payload_name<Order>();  // what every typed send does first
  phantom::PayloadDescriber describe = phantom::find_payload_describer(phantom::type_id<Order>());
  ASSERT_NE(describe, nullptr);
  EXPECT_EQ(phantom::find_payload_describer(phantom::type_id<Pong>()), nullptr);
  Order order{Side::sell, true, 12345678901234ull, 2.5f, {'L', 'S', 'E', 'X'}, nullptr};
  FieldsAsJson fields;
  describe(&order, fields);
  EXPECT_EQ(fields.object.dump(),
            "{\"side\":2,\"urgent\":true,\"id\":12345678901234,\"price\":2.5,\"venue\":\"LSEX\","
            "\"note\":null}");
}

}  // namespace
