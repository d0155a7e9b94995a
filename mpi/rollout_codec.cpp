// RolloutPacker / RolloutUnpacker: Rollouts through their public accessors, to and from the
// columns of one state dict.
#include "mpi/rollout_codec.hpp"

#include <cstring>
#include <utility>

#include "nn/error.hpp"

namespace phantom::mpi {

namespace {

// The bits of a `flags` byte as this encoding defines them (its own, not Rollout's storage).
enum : uint8_t {
  kObserved = 1,
  kActed = 2,
  kRewarded = 4,
  kHasInfo = 8,
  kHasTerminated = 16,
  kHasTruncated = 32,
  kTerminated = 64,
  kTruncated = 128,
};

// ---- Writing ----

void add_floats(std::string& out, const float* values, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>(bits >> (8 * b)));
  }
}

void add_u32(std::string& out, uint32_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>(v >> (8 * b)));
}

void add_string(std::string& out, const std::string& s) {
  add_u32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

int64_t bits_of(uint64_t u) {
  int64_t i;
  std::memcpy(&i, &u, 8);
  return i;
}

// ---- Reading: cursors over a column that throw FormatError naming it when it runs short ----

[[noreturn]] void column_error(const std::string& source, const std::string& name,
                               const std::string& what) {
  throw FormatError((source.empty() ? std::string() : source + ": ") + "rollout column '" + name +
                    "' " + what);
}

// A string column: floats, strings or bytes, read in order.
class ByteColumn {
 public:
  ByteColumn(const nn::StateDict& dict, const char* name)
      : name_(name), source_(dict.source()), data_(&dict.get_string(name)) {}

  std::size_t remaining() const { return data_->size() - at_; }
  // Throws unless n floats remain (before anything is sized to hold them).
  void need_floats(std::size_t n) const { need(4 * n, std::to_string(n) + " floats"); }
  void read_floats(float* out, std::size_t n) {
    need_floats(n);
    for (std::size_t i = 0; i < n; ++i) {
      uint32_t bits = 0;
      for (int b = 0; b < 4; ++b) bits |= static_cast<uint32_t>(byte()) << (8 * b);
      std::memcpy(&out[i], &bits, 4);
    }
  }
  float next_float() {
    float v;
    read_floats(&v, 1);
    return v;
  }
  uint32_t next_u32() {
    need(4, "a 4-byte number");
    uint32_t n = 0;
    for (int b = 0; b < 4; ++b) n |= static_cast<uint32_t>(byte()) << (8 * b);
    return n;
  }
  std::string next_string() {
    need(4, "a string's length");
    const uint32_t n = next_u32();
    need(n, "a string of " + std::to_string(n) + " bytes");
    std::string s = data_->substr(at_, n);
    at_ += n;
    return s;
  }
  uint8_t next_byte() {
    need(1, "a byte");
    return byte();
  }
  void expect_done() const {
    if (remaining() != 0) {
      fail("holds " + std::to_string(remaining()) + " bytes more than its rollouts use");
    }
  }
  [[noreturn]] void fail(const std::string& what) const { column_error(source_, name_, what); }

 private:
  uint8_t byte() { return static_cast<uint8_t>((*data_)[at_++]); }
  void need(std::size_t n, const std::string& what) const {
    if (remaining() < n) fail("is too short for " + what);
  }

  std::string name_, source_;
  const std::string* data_;
  std::size_t at_ = 0;
};

// A packed array column (ints or doubles), read one value at a time.
template <class T>
class ArrayColumn {
 public:
  ArrayColumn(std::vector<T> values, const char* name, const nn::StateDict& dict)
      : values_(std::move(values)), name_(name), source_(dict.source()) {}
  T next() {
    if (at_ == values_.size()) fail("has fewer values than its rollouts use");
    return values_[at_++];
  }
  // The next value as a count, 0 .. max.
  std::size_t next_count(std::size_t max) {
    const T n = next();
    if (n < 0 || static_cast<uint64_t>(n) > max) {
      fail("holds " + std::to_string(n) + " where a count 0 .. " + std::to_string(max) +
           " was expected");
    }
    return static_cast<std::size_t>(n);
  }
  std::size_t remaining() const { return values_.size() - at_; }
  void expect_done() const {
    if (at_ != values_.size()) fail("has more values than its rollouts use");
  }
  [[noreturn]] void fail(const std::string& what) const { column_error(source_, name_, what); }

 private:
  std::vector<T> values_;
  std::string name_, source_;
  std::size_t at_ = 0;
};

// The largest flat size of an agent's observation or action space a rollout may claim: a bound
// on what a corrupted size could make the decoder allocate (a rollout reserves steps x sizes).
constexpr std::size_t kMaxSpaceSize = std::size_t{1} << 24;

using Ints = ArrayColumn<int64_t>;
using Doubles = ArrayColumn<double>;

}  // namespace

// ---- RolloutPacker ----

void RolloutPacker::add(const Rollout& rollout) {
  ++count_;
  ids_.push_back(rollout.rollout_id);
  repeats_.push_back(rollout.repeat_id);
  seeds_.push_back(bits_of(rollout.seed));

  param_counts_.push_back(static_cast<int64_t>(rollout.params.size()));
  for (const RolloutParam& param : rollout.params) {
    add_string(param_names_, param.name);
    add_floats(param_values_, &param.value, 1);
  }

  agent_counts_.push_back(static_cast<int64_t>(rollout.agent_ids().size()));
  for (const std::string& id : rollout.agent_ids()) add_string(agents_, id);
  const std::vector<int64_t>& obs_sizes = rollout.observation_sizes();
  const std::vector<int64_t>& act_sizes = rollout.action_sizes();
  observation_sizes_.insert(observation_sizes_.end(), obs_sizes.begin(), obs_sizes.end());
  action_sizes_.insert(action_sizes_.end(), act_sizes.begin(), act_sizes.end());

  const std::size_t n_agents = rollout.agent_ids().size();
  step_counts_.push_back(static_cast<int64_t>(rollout.size()));
  int64_t message_steps = 0;
  // The rollout's stage names once each, and per step the index of its stage among them: an FSM
  // env has a few stages and many steps.
  std::vector<const std::string*> stage_names;
  for (std::size_t s = 0; s < rollout.size(); ++s) {
    const auto i = static_cast<int64_t>(s);
    const std::string& stage = rollout.stage(i);
    std::size_t k = 0;
    while (k < stage_names.size() && *stage_names[k] != stage) ++k;
    if (k == stage_names.size()) stage_names.push_back(&stage);
    add_u32(stages_, static_cast<uint32_t>(k));
    for (std::size_t a = 0; a < n_agents; ++a) {
      uint8_t f = 0;
      if (const float* obs = rollout.observation(i, a)) {
        f |= kObserved;
        add_floats(observations_, obs, static_cast<std::size_t>(obs_sizes[a]));
      }
      if (const float* act = rollout.action(i, a)) {
        f |= kActed;
        add_floats(actions_, act, static_cast<std::size_t>(act_sizes[a]));
      }
      if (std::optional<double> reward = rollout.reward(i, a)) {
        f |= kRewarded;
        rewards_.push_back(*reward);
      }
      if (std::optional<Infos> info = rollout.info(i, a)) {
        f |= kHasInfo;
        info_sizes_.push_back(static_cast<int64_t>(info->items().size()));
        for (const auto& [key, value] : info->items()) {
          add_string(info_keys_, key);
          info_values_.push_back(value);
        }
      }
      if (std::optional<bool> t = rollout.terminated(i, a)) {
        f |= *t ? kHasTerminated | kTerminated : kHasTerminated;
      }
      if (std::optional<bool> t = rollout.truncated(i, a)) {
        f |= *t ? kHasTruncated | kTruncated : kHasTruncated;
      }
      flags_.push_back(static_cast<char>(f));
    }
    if (const std::vector<RecordedMessage>* recorded = rollout.messages(i)) {
      ++message_steps;
      message_steps_.push_back(i);
      message_steps_.push_back(static_cast<int64_t>(recorded->size()));
      for (const RecordedMessage& m : *recorded) {
        add_string(messages_, m.sender_id);
        add_string(messages_, m.receiver_id);
        add_string(messages_, m.type);
        add_string(messages_, m.payload_json);
      }
    }
  }
  message_step_counts_.push_back(message_steps);
  stage_name_counts_.push_back(static_cast<int64_t>(stage_names.size()));
  for (const std::string* name : stage_names) add_string(stage_names_, *name);

  metric_counts_.push_back(static_cast<int64_t>(rollout.metrics.size()));
  for (const ReducedMetric& m : rollout.metrics) {
    add_string(metric_names_, m.name);
    metric_flags_.push_back(m.value ? 1 : 0);
    metric_values_.push_back(m.value.value_or(0.0));
    metric_list_sizes_.push_back(static_cast<int64_t>(m.values.size()));
    metric_lists_.insert(metric_lists_.end(), m.values.begin(), m.values.end());
  }
}

void RolloutPacker::put(nn::StateDict& dict) const {
  dict.set_int("count", static_cast<int64_t>(count_));
  dict.set_int64s("ids", ids_);
  dict.set_int64s("repeats", repeats_);
  dict.set_int64s("seeds", seeds_);
  dict.set_int64s("param_counts", param_counts_);
  dict.set_string("param_names", param_names_);
  dict.set_string("param_values", param_values_);
  dict.set_int64s("agent_counts", agent_counts_);
  dict.set_string("agents", agents_);
  dict.set_int64s("observation_sizes", observation_sizes_);
  dict.set_int64s("action_sizes", action_sizes_);
  dict.set_int64s("step_counts", step_counts_);
  dict.set_int64s("stage_name_counts", stage_name_counts_);
  dict.set_string("stage_names", stage_names_);
  dict.set_string("stages", stages_);
  dict.set_string("flags", flags_);
  dict.set_string("observations", observations_);
  dict.set_string("actions", actions_);
  dict.set_doubles("rewards", rewards_);
  dict.set_int64s("info_sizes", info_sizes_);
  dict.set_string("info_keys", info_keys_);
  dict.set_doubles("info_values", info_values_);
  dict.set_int64s("message_step_counts", message_step_counts_);
  dict.set_int64s("message_steps", message_steps_);
  dict.set_string("messages", messages_);
  dict.set_int64s("metric_counts", metric_counts_);
  dict.set_string("metric_names", metric_names_);
  dict.set_string("metric_flags", metric_flags_);
  dict.set_doubles("metric_values", metric_values_);
  dict.set_int64s("metric_list_sizes", metric_list_sizes_);
  dict.set_doubles("metric_lists", metric_lists_);
}

// ---- RolloutUnpacker ----

struct RolloutUnpacker::Columns {
  explicit Columns(const nn::StateDict& d)
      : ids(d.get_int64s("ids"), "ids", d),
        repeats(d.get_int64s("repeats"), "repeats", d),
        seeds(d.get_int64s("seeds"), "seeds", d),
        param_counts(d.get_int64s("param_counts"), "param_counts", d),
        param_names(d, "param_names"),
        param_values(d, "param_values"),
        agent_counts(d.get_int64s("agent_counts"), "agent_counts", d),
        agents(d, "agents"),
        observation_sizes(d.get_int64s("observation_sizes"), "observation_sizes", d),
        action_sizes(d.get_int64s("action_sizes"), "action_sizes", d),
        step_counts(d.get_int64s("step_counts"), "step_counts", d),
        stage_name_counts(d.get_int64s("stage_name_counts"), "stage_name_counts", d),
        stage_names(d, "stage_names"),
        stages(d, "stages"),
        flags(d, "flags"),
        observations(d, "observations"),
        actions(d, "actions"),
        rewards(d.get_doubles("rewards"), "rewards", d),
        info_sizes(d.get_int64s("info_sizes"), "info_sizes", d),
        info_keys(d, "info_keys"),
        info_values(d.get_doubles("info_values"), "info_values", d),
        message_step_counts(d.get_int64s("message_step_counts"), "message_step_counts", d),
        message_steps(d.get_int64s("message_steps"), "message_steps", d),
        messages(d, "messages"),
        metric_counts(d.get_int64s("metric_counts"), "metric_counts", d),
        metric_names(d, "metric_names"),
        metric_flags(d, "metric_flags"),
        metric_values(d.get_doubles("metric_values"), "metric_values", d),
        metric_list_sizes(d.get_int64s("metric_list_sizes"), "metric_list_sizes", d),
        metric_lists(d.get_doubles("metric_lists"), "metric_lists", d) {}

  void expect_done() const {
    for (const Ints* c :
         {&ids, &repeats, &seeds, &param_counts, &agent_counts, &observation_sizes, &action_sizes,
          &step_counts, &stage_name_counts, &info_sizes, &message_step_counts, &message_steps,
          &metric_counts, &metric_list_sizes}) {
      c->expect_done();
    }
    for (const Doubles* c : {&rewards, &info_values, &metric_values, &metric_lists}) {
      c->expect_done();
    }
    for (const ByteColumn* c :
         {&param_names, &param_values, &agents, &stage_names, &stages, &flags, &observations,
          &actions, &info_keys, &messages, &metric_names, &metric_flags}) {
      c->expect_done();
    }
  }

  Ints ids, repeats, seeds, param_counts;
  ByteColumn param_names, param_values;
  Ints agent_counts;
  ByteColumn agents;
  Ints observation_sizes, action_sizes, step_counts, stage_name_counts;
  ByteColumn stage_names;
  ByteColumn stages, flags, observations, actions;
  Doubles rewards;
  Ints info_sizes;
  ByteColumn info_keys;
  Doubles info_values;
  Ints message_step_counts, message_steps;
  ByteColumn messages;
  Ints metric_counts;
  ByteColumn metric_names, metric_flags;
  Doubles metric_values;
  Ints metric_list_sizes;
  Doubles metric_lists;
  // Reused from rollout to rollout.
  std::vector<float> scratch;
  std::vector<std::string> agents_scratch, stage_names_scratch;
  std::vector<int64_t> observation_sizes_scratch, action_sizes_scratch;
};

RolloutUnpacker::RolloutUnpacker(const nn::StateDict& dict)
    : columns_(std::make_unique<Columns>(dict)),
      count_(static_cast<std::size_t>(dict.get_count("count"))) {}

RolloutUnpacker::~RolloutUnpacker() = default;

Rollout RolloutUnpacker::next() {
  Rollout out;
  next(out);
  return out;
}

void RolloutUnpacker::next(Rollout& out) {
  Columns& c = *columns_;
  if (done()) c.ids.fail("has no rollout left after " + std::to_string(count_));
  // Every loop below reads at least one byte or value per turn from a column, so a corrupted
  // count runs out of data (a FormatError) rather than out of memory.
  out.rollout_id = c.ids.next();
  out.repeat_id = c.repeats.next();
  const int64_t seed_bits = c.seeds.next();
  std::memcpy(&out.seed, &seed_bits, 8);

  out.params.clear();
  for (std::size_t n = c.param_counts.next_count(c.param_values.remaining() / 4); n > 0; --n) {
    std::string name = c.param_names.next_string();
    out.params.push_back({std::move(name), c.param_values.next_float()});
  }

  const std::size_t n_agents = c.agent_counts.next_count(c.agents.remaining() / 4);
  std::vector<std::string>& agents = c.agents_scratch;
  std::vector<int64_t>& observation_sizes = c.observation_sizes_scratch;
  std::vector<int64_t>& action_sizes = c.action_sizes_scratch;
  agents.clear();
  observation_sizes.clear();
  action_sizes.clear();
  for (std::size_t a = 0; a < n_agents; ++a) {
    agents.push_back(c.agents.next_string());
    observation_sizes.push_back(
        static_cast<int64_t>(c.observation_sizes.next_count(kMaxSpaceSize)));
    action_sizes.push_back(static_cast<int64_t>(c.action_sizes.next_count(kMaxSpaceSize)));
  }
  out.set_agents(agents, observation_sizes, action_sizes);  // forgets the steps, keeps the room

  std::vector<std::string>& stage_names = c.stage_names_scratch;
  stage_names.clear();
  for (std::size_t n = c.stage_name_counts.next_count(c.stage_names.remaining() / 4); n > 0; --n) {
    stage_names.push_back(c.stage_names.next_string());
  }
  const std::size_t steps = c.step_counts.next_count(c.stages.remaining() / 4);
  for (std::size_t s = 0; s < steps; ++s) {
    const uint32_t stage = c.stages.next_u32();
    if (stage >= stage_names.size()) {
      c.stages.fail("holds stage " + std::to_string(stage) + " for step " + std::to_string(s) +
                    " of rollout " + std::to_string(out.rollout_id) + ", which has " +
                    std::to_string(stage_names.size()) + " stage names");
    }
    const auto i = static_cast<int64_t>(out.add_step(stage_names[stage]));
    for (std::size_t a = 0; a < n_agents; ++a) {
      const uint8_t f = c.flags.next_byte();
      auto floats = [&](ByteColumn& from, int64_t n) {
        from.need_floats(static_cast<std::size_t>(n));
        c.scratch.resize(static_cast<std::size_t>(n));
        from.read_floats(c.scratch.data(), c.scratch.size());
        return c.scratch.data();
      };
      if (f & kObserved) out.set_observation(i, a, floats(c.observations, observation_sizes[a]));
      if (f & kActed) out.set_action(i, a, floats(c.actions, action_sizes[a]));
      if (f & kRewarded) out.set_reward(i, a, c.rewards.next());
      if (f & kHasInfo) {
        Infos info;
        for (std::size_t k = c.info_sizes.next_count(c.info_keys.remaining() / 4); k > 0; --k) {
          std::string key = c.info_keys.next_string();
          info.set(std::move(key), c.info_values.next());
        }
        out.set_info(i, a, info);
      }
      if (f & kHasTerminated) out.set_terminated(i, a, (f & kTerminated) != 0);
      if (f & kHasTruncated) out.set_truncated(i, a, (f & kTruncated) != 0);
    }
  }

  for (std::size_t n = c.message_step_counts.next_count(steps); n > 0; --n) {
    const int64_t step = c.message_steps.next();
    if (step < 0 || step >= static_cast<int64_t>(steps)) {
      c.message_steps.fail("holds step " + std::to_string(step) + ", expected a step 0 .. " +
                           std::to_string(steps) + " - 1 of rollout " +
                           std::to_string(out.rollout_id));
    }
    std::vector<RecordedMessage>& list = out.record_messages(step);
    for (std::size_t m = c.message_steps.next_count(c.messages.remaining() / 16); m > 0; --m) {
      RecordedMessage message;
      message.sender_id = c.messages.next_string();
      message.receiver_id = c.messages.next_string();
      message.type = c.messages.next_string();
      message.payload_json = c.messages.next_string();
      list.push_back(std::move(message));
    }
  }

  out.metrics.clear();
  for (std::size_t n = c.metric_counts.next_count(c.metric_flags.remaining()); n > 0; --n) {
    ReducedMetric m;
    m.name = c.metric_names.next_string();
    const bool has_value = c.metric_flags.next_byte() != 0;
    const double value = c.metric_values.next();
    if (has_value) m.value = value;
    for (std::size_t k = c.metric_list_sizes.next_count(c.metric_lists.remaining()); k > 0; --k) {
      m.values.push_back(c.metric_lists.next());
    }
    out.metrics.push_back(std::move(m));
  }

  if (++read_ == count_) c.expect_done();
}

}  // namespace phantom::mpi
