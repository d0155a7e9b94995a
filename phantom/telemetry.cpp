// TelemetryLogger: terminal printing and the JSON-lines episode file.
#include "phantom/telemetry.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include "phantom/env.hpp"
#include "phantom/error.hpp"

namespace phantom {

namespace {

const char* const kIndent1 = "    ";
const char* const kIndent2 = "        ";

// "2026-11-22T10:20:30.123456Z": UTC, so files from several machines or time zones sort and
// compare directly (Python wrote local time without a zone). Computed by hand because the C
// calendar functions are not thread-safe.
std::string utc_timestamp() {
  using namespace std::chrono;
  auto micros = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  int64_t secs = micros / 1000000, us = micros % 1000000;
  if (us < 0) {
    us += 1000000;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Days since 1970-01-01 to a civil date (proleptic Gregorian; eras of 400 years).
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(us));
  return buf;
}

// A number for the terminal: shortest form, and nan / inf spelled out.
std::string text_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string out;
  append_json_number(out, v);
  return out;
}

std::string text_reward(double v) {
  if (!std::isfinite(v)) return text_number(v);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

Json floats_json(const float* values, int64_t n) {
  Json a = Json::array();
  for (int64_t k = 0; k < n; ++k) a.push(Json::number(values[k]));
  return a;
}

// Collects a payload's fields as a JSON object and as "name: value" text for the terminal.
class FieldCollector : public FieldWriter {
 public:
  Json object = Json::object();
  std::string text;

 protected:
  void write_null(const char* name) override { add(name, Json(), "null"); }
  void write_bool(const char* name, bool v) override {
    add(name, Json::boolean(v), v ? "true" : "false");
  }
  void write_int(const char* name, int64_t v) override {
    add(name, Json::integer(v), std::to_string(v));
  }
  void write_uint(const char* name, uint64_t v) override {
    add(name, Json::unsigned_integer(v), std::to_string(v));
  }
  void write_float(const char* name, float v) override {
    std::string t;
    if (std::isfinite(v)) {
      append_json_number(t, v);
    } else {
      t = text_number(static_cast<double>(v));
    }
    add(name, Json::number(v), t);
  }
  void write_double(const char* name, double v) override {
    add(name, Json::number(v), text_number(v));
  }
  void write_string(const char* name, std::string_view v) override {
    std::string quoted;
    append_json_string(quoted, v);
    add(name, Json::string(std::string(v)), quoted);
  }

 private:
  void add(const char* name, Json value, const std::string& value_text) {
    object.set(name, std::move(value));
    if (!text.empty()) text += ", ";
    text += name;
    text += ": ";
    text += value_text;
  }
};

const char* event_label(MessageEvent e) {
  switch (e) {
    case MessageEvent::sent:
      return "SEND";
    case MessageEvent::received:
      return "RECV";
    default:
      return "DROP";
  }
}

const char* event_name(MessageEvent e) {
  switch (e) {
    case MessageEvent::sent:
      return "send";
    case MessageEvent::received:
      return "receive";
    default:
      return "drop";
  }
}

std::string padded(const std::string& s, std::size_t width, bool right_align) {
  if (s.size() >= width) return s;
  std::string pad(width - s.size(), ' ');
  return right_align ? pad + s : s + pad;
}

void check_metrics(const NamedMetrics& metrics, const char* where) {
  for (const auto& entry : metrics) {
    if (!entry.second) {
      throw ConfigError(std::string("telemetry: ") + where + " metric '" + entry.first +
                        "' is null");
    }
  }
}

std::optional<double> metric_value(const std::string& name, const Metric& metric,
                                   const PhantomEnv& env) {
  if (!metric.applies(env)) return std::nullopt;  // outside the metric's FSM stages
  try {
    return metric.extract(env);
  } catch (const ConfigError& error) {
    throw ConfigError(metric_label(name) + error.what());
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// AgentFilter
// ---------------------------------------------------------------------------------------------

bool AgentFilter::allows(const std::string& id) const {
  switch (mode_) {
    case Mode::all:
      return true;
    case Mode::none:
      return false;
    default:
      return std::find(ids_.begin(), ids_.end(), id) != ids_.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration and the file
// ---------------------------------------------------------------------------------------------

TelemetryLogger::~TelemetryLogger() {
  try {
    close_file();
  } catch (const std::exception& e) {
    std::cerr << "phantom telemetry: " << e.what() << '\n';
  }
}

void TelemetryLogger::configure_printing(PrintOptions options) {
  check_metrics(options.metrics, "print");
  print_ = std::move(options);
}

void TelemetryLogger::configure_file(FileOptions options) {
  close_file();
  check_metrics(options.metrics, "file");
  if (options.path.empty()) throw Error("telemetry: the file path is empty");
  errno = 0;
  std::FILE* f = std::fopen(options.path.c_str(), options.append ? "a" : "w");
  if (f == nullptr) {
    int err = errno != 0 ? errno : EIO;
    throw Error("telemetry: cannot open file '" + options.path + "': " + std::strerror(err));
  }
  file_ = f;
  file_options_ = std::move(options);
  episodes_written_ = 0;
}

void TelemetryLogger::close_file() {
  if (file_ == nullptr) return;
  // Close even if writing the last episode fails, so a broken file is never written to again.
  try {
    if (recording_) write_episode(/*finished=*/false);
  } catch (...) {
    std::fclose(file_);
    file_ = nullptr;
    throw;
  }
  std::FILE* f = file_;
  file_ = nullptr;
  errno = 0;
  if (std::fclose(f) != 0) throw_file_error("cannot close", errno != 0 ? errno : EIO);
}

void TelemetryLogger::throw_file_error(const std::string& what, int err) const {
  throw Error("telemetry: " + what + " file '" + file_options_.path + "': " + std::strerror(err));
}

void TelemetryLogger::write_episode(bool finished) {
  if (!finished) episode_.set("unfinished", Json::boolean(true));
  std::string text = episode_.dump(file_options_.human_readable ? 2 : 0);
  text += '\n';
  recording_ = false;
  episode_ = Json();
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    throw_file_error("cannot write to", errno != 0 ? errno : EIO);
  }
  // Flushed at every episode end, so a crash later loses nothing already finished.
  if (std::fflush(file_) != 0) throw_file_error("cannot write to", errno != 0 ? errno : EIO);
  ++episodes_written_;
}

Json& TelemetryLogger::current_step() {
  return episode_.find("steps")->back();
}

// ---------------------------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------------------------

void TelemetryLogger::on_reset(const PhantomEnv& env) {
  ids_ = &env.agent_ids();
  const StepResult& r = env.step_result();
  if (printing()) {
    std::ostream& out = *print_.out;
    out << std::string(80, '=') << "\nENV RESET\n" << std::string(80, '-') << '\n';
    if (print_.observations.any()) {
      out << kIndent1 << "OBSERVATIONS:\n";
      bool any = false;
      for (int i = 0; i < env.num_strategic(); ++i) {
        const std::string& id = env.strategic_agent_ids()[static_cast<std::size_t>(i)];
        if (!r.observed(i) || !print_.observations.allows(id)) continue;
        out << kIndent2 << id << ": "
            << env.strategic_agent(i).observation_space()->value_to_string(r.observation(i))
            << '\n';
        any = true;
      }
      if (!any) out << kIndent2 << "None\n";
    }
    out.flush();
  }
  if (file_ != nullptr) {
    if (recording_) write_episode(/*finished=*/false);  // reset before the episode ended
    episode_ = Json::object();
    episode_.set("start", Json::string(utc_timestamp()));
    Json& step = episode_.set("steps", Json::array()).push(Json::object());
    step.set("messages", Json::array());
    step.set("metrics", Json::object());  // metrics are recorded after steps, not at reset
    Json& obs = step.set("observations", Json::object());
    for (int i = 0; i < env.num_strategic(); ++i) {
      if (!r.observed(i)) continue;
      obs.set(
          env.strategic_agent_ids()[static_cast<std::size_t>(i)],
          floats_json(r.observation(i), env.strategic_agent(i).observation_space()->flat_size()));
    }
    recording_ = true;
  }
}

void TelemetryLogger::on_step_begin(const PhantomEnv& env, const Actions& actions) {
  ids_ = &env.agent_ids();
  if (printing()) {
    std::ostream& out = *print_.out;
    out << std::string(80, '=') << "\nSTEP " << env.current_step();
    if (env.num_steps()) out << '/' << *env.num_steps();
    out << ":\n" << std::string(80, '-') << '\n';
    if (print_.actions.any()) {
      out << kIndent1 << "ACTIONS:\n";
      bool any = false;
      for (int i = 0; i < env.num_strategic(); ++i) {
        const std::string& id = env.strategic_agent_ids()[static_cast<std::size_t>(i)];
        if (!actions.has(i) || !print_.actions.allows(id)) continue;
        out << kIndent2 << id << ": "
            << env.strategic_agent(i).action_space()->value_to_string(actions.get(i)) << '\n';
        any = true;
      }
      if (!any) out << kIndent2 << "None\n";
    }
    if (print_.messages.any()) out << kIndent1 << "DECODING ACTIONS:\n";
  }
  if (recording_) {
    Json& step = episode_.find("steps")->push(Json::object());
    step.set("messages", Json::array());
    Json& acts = step.set("actions", Json::object());
    for (int i = 0; i < env.num_strategic(); ++i) {
      if (!actions.has(i)) continue;
      acts.set(env.strategic_agent_ids()[static_cast<std::size_t>(i)],
               floats_json(actions.get(i), env.strategic_agent(i).action_space()->flat_size()));
    }
  }
}

void TelemetryLogger::on_resolver_round(int round, std::optional<int> round_limit) {
  if (!printing() || !print_.messages.any()) return;
  *print_.out << kIndent1 << "RESOLVER ROUND " << round + 1 << '/'
              << (round_limit ? std::to_string(*round_limit) : std::string("inf")) << ":\n";
}

void TelemetryLogger::on_message(MessageEvent event, const MessageHeader& header,
                                 const void* payload) {
  if (ids_ == nullptr) return;  // no reset or step seen yet: ids unknown
  const std::string& sender = (*ids_)[static_cast<std::size_t>(header.sender)];
  const std::string& receiver = (*ids_)[static_cast<std::size_t>(header.receiver)];
  bool show = printing() && (print_.messages.allows(sender) || print_.messages.allows(receiver));
  if (!show && !recording_) return;

  PayloadDescriber describe = find_payload_describer(header.type);
  FieldCollector fields;
  if (describe != nullptr) describe(payload, fields);

  if (show) {
    std::string line = std::string(kIndent2) + event_label(event) + " " + padded(sender, 10, true) +
                       " --> " + padded(receiver, 10, false) + " ";
    std::string type = "(" + unqualified(header.type_name) + ")";
    line += fields.text.empty() ? type : padded(type, 20, false) + " " + fields.text;
    if (event == MessageEvent::dropped_receiver_done) line += " [dropped: receiver is done]";
    if (event == MessageEvent::dropped_no_connection) line += " [dropped: no connection]";
    *print_.out << line << '\n';
  }
  if (recording_) {
    Json m = Json::object();
    m.set("event", Json::string(event_name(event)));
    if (event == MessageEvent::dropped_receiver_done) {
      m.set("reason", Json::string("receiver_done"));
    } else if (event == MessageEvent::dropped_no_connection) {
      m.set("reason", Json::string("no_connection"));
    }
    m.set("sender_id", Json::string(sender));
    m.set("receiver_id", Json::string(receiver));
    m.set("type", Json::string(header.type_name));
    m.set("payload", describe != nullptr ? std::move(fields.object) : Json());
    current_step().find("messages")->push(std::move(m));
  }
}

void TelemetryLogger::on_messages(MessageEvent event, const MessageQueue& queue,
                                  const uint32_t* indices, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const MessageHeader& h = queue.headers()[indices[i]];
    on_message(event, h, queue.payload(h));
  }
}

void TelemetryLogger::on_step_end(const PhantomEnv& env, const StageTransition* transition) {
  if (printing()) print_step_values(env, transition);
  if (recording_) {
    record_step_values(env, transition);
    if (env.step_result().done()) write_episode(/*finished=*/true);
  }
}

void TelemetryLogger::print_step_values(const PhantomEnv& env, const StageTransition* transition) {
  std::ostream& out = *print_.out;
  const StepResult& r = env.step_result();
  const auto& ids = env.strategic_agent_ids();
  // One line per agent that `filter` allows and `include` selects, or "None".
  auto section = [&](const char* title, const AgentFilter& filter, auto include, auto text) {
    if (!filter.any()) return;
    out << kIndent1 << title << ":\n";
    bool any = false;
    for (int i = 0; i < env.num_strategic(); ++i) {
      const std::string& id = ids[static_cast<std::size_t>(i)];
      if (!include(i) || !filter.allows(id)) continue;
      out << kIndent2 << id << ": " << text(i) << '\n';
      any = true;
    }
    if (!any) out << kIndent2 << "None\n";
  };
  // The ids whose flag is set, on one line.
  auto flags = [&](const char* title, const AgentFilter& filter, auto flag) {
    if (!filter.any()) return;
    std::string list;
    for (int i = 0; i < env.num_strategic(); ++i) {
      const std::string& id = ids[static_cast<std::size_t>(i)];
      if (!r.reported(i) || !flag(i) || !filter.allows(id)) continue;
      list += (list.empty() ? "" : ", ") + id;
    }
    out << kIndent1 << title << ": " << (list.empty() ? "None" : list) << '\n';
  };

  section(
      "OBSERVATIONS", print_.observations, [&](int i) { return r.observed(i); },
      [&](int i) {
        return env.strategic_agent(i).observation_space()->value_to_string(r.observation(i));
      });
  section(
      "REWARDS", print_.rewards, [&](int i) { return r.has_reward(i); },
      [&](int i) { return text_reward(r.reward(i)); });
  flags("TERMINATIONS", print_.terminations, [&](int i) { return r.terminated(i); });
  flags("TRUNCATIONS", print_.truncations, [&](int i) { return r.truncated(i); });
  section(
      "INFOS", print_.infos, [&](int i) { return r.observed(i) && !r.infos(i).empty(); },
      [&](int i) {
        std::string s = "{";
        for (const auto& kv : r.infos(i).items())
          s += (s.size() > 1 ? ", " : "") + kv.first + ": " + text_number(kv.second);
        return s + "}";
      });
  if (!print_.metrics.empty()) {
    out << kIndent1 << "METRICS:\n";
    for (const auto& [name, metric] : print_.metrics) {
      std::optional<double> v = metric_value(name, *metric, env);
      out << kIndent2 << padded(name, 30, false) << " : "
          << (v ? text_number(*v) : std::string("not recorded at this stage")) << '\n';
    }
  }
  if (transition != nullptr) {
    out << kIndent1 << "FSM TRANSITION: " << *transition->from << " --> "
        << (transition->to ? *transition->to : std::string("(end)")) << '\n';
  }
  if (r.done()) out << "EPISODE DONE\n";
  out.flush();
}

void TelemetryLogger::record_step_values(const PhantomEnv& env, const StageTransition* transition) {
  const StepResult& r = env.step_result();
  const auto& ids = env.strategic_agent_ids();
  // Built apart and then moved in: a reference into `step` would not survive its next set().
  Json obs = Json::object(), rewards = Json::object(), terminations = Json::object(),
       truncations = Json::object(), infos = Json::object(), metrics = Json::object();
  for (int i = 0; i < env.num_strategic(); ++i) {
    const std::string& id = ids[static_cast<std::size_t>(i)];
    if (r.observed(i)) {
      obs.set(id, floats_json(r.observation(i),
                              env.strategic_agent(i).observation_space()->flat_size()));
      Json& info = infos.set(id, Json::object());
      for (const auto& kv : r.infos(i).items()) info.set(kv.first, Json::number(kv.second));
    }
    if (r.has_reward(i)) rewards.set(id, Json::number(r.reward(i)));
    if (r.reported(i)) {
      terminations.set(id, Json::boolean(r.terminated(i)));
      truncations.set(id, Json::boolean(r.truncated(i)));
    }
  }
  for (const auto& [name, metric] : file_options_.metrics) {
    std::optional<double> v = metric_value(name, *metric, env);
    metrics.set(name, v ? Json::number(*v) : Json());
  }
  Json& step = current_step();
  step.set("observations", std::move(obs));
  step.set("rewards", std::move(rewards));
  step.set("terminations", std::move(terminations));
  step.set("truncations", std::move(truncations));
  step.set("infos", std::move(infos));
  step.set("metrics", std::move(metrics));
  if (transition != nullptr) {
    step.set("fsm_current_stage", Json::string(*transition->from));
    step.set("fsm_next_stage", transition->to ? Json::string(*transition->to) : Json());
  }
}

std::string payload_json(const MessageHeader& header, const void* payload) {
  PayloadDescriber describe = find_payload_describer(header.type);
  if (describe == nullptr) return "null";
  FieldCollector fields;
  describe(payload, fields);
  return fields.object.dump();
}

}  // namespace phantom
