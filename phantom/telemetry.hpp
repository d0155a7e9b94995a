// Telemetry: optional logging of episodes to a terminal (any std::ostream) and to a JSON-lines
// file — steps, actions, observations, rewards, done flags, infos, messages sent, received and
// dropped, metrics and FSM stage transitions.
//
//   auto telemetry = std::make_shared<phantom::TelemetryLogger>();
//   telemetry->configure_printing({});                            // everything, to std::cout
//   telemetry->configure_file({"episodes.jsonl"});                // one JSON object per episode
//   env.set_telemetry(telemetry);                                 // env.set_telemetry(nullptr):
//   off
//
// There is no global logger: each env holds its own (or none). A logger is not synchronised, so
// it serves one env at a time; envs stepped on several threads each need their own logger, and
// their own file. With no logger attached, the env and resolver only test a null pointer.
//
// The file format (every key) is in docs/FORMATS.md. In short: each episode is written as one
// JSON object, {"start": ..., "steps": [...]}, followed by a newline, when it ends. step 0 is the
// reset; after reset + N steps the episode holds 1 + N step objects. An episode that has not
// ended when the logger is destroyed, reconfigured or closed, or when the env is reset again,
// is written too, with "unfinished": true. Payload fields are logged for payloads that describe
// them (phantom/payload_fields.hpp); others by type name only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "phantom/json.hpp"
#include "phantom/message.hpp"
#include "phantom/metrics.hpp"

namespace phantom {

/// Which agents a category of printed output covers: all, none, or only the listed ids.
class AgentFilter {
 public:
  static AgentFilter all() { return AgentFilter(Mode::all, {}); }
  static AgentFilter none() { return AgentFilter(Mode::none, {}); }
  static AgentFilter only(std::vector<std::string> ids) {
    return AgentFilter(Mode::only, std::move(ids));
  }
  /// Covers every agent.
  AgentFilter() = default;

  bool allows(const std::string& id) const;
  /// False for none() (the category is not printed at all).
  bool any() const { return mode_ != Mode::none; }

 private:
  enum class Mode { all, none, only };
  AgentFilter(Mode mode, std::vector<std::string> ids) : mode_(mode), ids_(std::move(ids)) {}
  Mode mode_ = Mode::all;
  std::vector<std::string> ids_;
};

/// What the terminal log shows (Python's configure_print_logging). Each category prints its
/// section for the agents its filter allows; messages are shown when the filter allows their
/// sender or receiver.
struct PrintOptions {
  /// Nothing is printed while false.
  bool enable = true;
  /// One filter per section of the log (all agents by default; Python's default was off).
  AgentFilter actions, observations, rewards, terminations, truncations, infos, messages;
  /// Printed after every step.
  NamedMetrics metrics;
  /// Where the log goes; must outlive its use by the logger.
  std::ostream* out = &std::cout;
};

/// The JSON-lines file (Python's configure_file_logging).
struct FileOptions {
  FileOptions() = default;
  // Not an aggregate, so {path} or {path, append} leave the rest at their defaults without
  // missing-initializer warnings.
  FileOptions(std::string path, bool append = true, bool human_readable = false,
              NamedMetrics metrics = {})
      : path(std::move(path)),
        append(append),
        human_readable(human_readable),
        metrics(std::move(metrics)) {}

  /// The file to write (created if missing; its directory must exist).
  std::string path;
  /// Add to an existing file; false truncates it.
  bool append = true;
  /// Indent each episode's JSON (2 spaces per level) instead of one line per episode. The file is
  /// then a sequence of JSON documents, each followed by a newline, rather than JSON lines.
  bool human_readable = false;
  /// Recorded after every step (step 0, the reset, has an empty "metrics" object).
  NamedMetrics metrics;
};

/// What happened to a message, as reported by the resolver.
enum class MessageEvent {
  sent,                   ///< queued by Network::send (during action decoding or as a reply)
  received,               ///< delivered to its receiver's handle_batch
  dropped_receiver_done,  ///< not delivered: the receiver had no context (it is done)
  dropped_no_connection,  ///< not delivered: no connection (connection errors ignored)
};

/// An FSM env's stage change in one step; `to` is null when the episode ended by its handler.
struct StageTransition {
  const std::string* from;
  const std::string* to;
};

class PhantomEnv;
class Actions;

/// Logs the episodes of the env it is attached to (PhantomEnv::set_telemetry). Printing and the
/// file are configured separately; either, both or neither may be on.
class TelemetryLogger {
 public:
  TelemetryLogger() = default;
  /// Writes an episode still being recorded (marked unfinished) and closes the file. Errors
  /// cannot be thrown from here: they are reported on std::cerr. Call close_file() first to get
  /// them as exceptions.
  ~TelemetryLogger();
  TelemetryLogger(const TelemetryLogger&) = delete;
  TelemetryLogger& operator=(const TelemetryLogger&) = delete;

  // ---- Configuration ----
  /// Replaces the print configuration (Python's None-means-unchanged arguments: read
  /// print_options(), change it, pass it back).
  void configure_printing(PrintOptions options);
  void disable_printing() { print_.enable = false; }
  const PrintOptions& print_options() const { return print_; }
  bool printing() const { return print_.enable && print_.out != nullptr; }

  /// Closes the current file (see close_file()), then opens options.path. Recording starts with
  /// the env's next reset. Throws phantom::Error naming the path and the reason if the file
  /// cannot be opened (file logging is then off).
  void configure_file(FileOptions options);
  /// Writes an episode still being recorded (marked unfinished), then closes the file. Throws
  /// phantom::Error naming the path on a write or close error. Does nothing if no file is open.
  void close_file();
  bool file_open() const { return file_ != nullptr; }
  /// The open file's options, or nullptr.
  const FileOptions* file_options() const { return file_ ? &file_options_ : nullptr; }
  /// Whether an episode is being recorded for the file (between a reset and its end).
  bool recording() const { return recording_; }
  /// Episodes written to the current file since it was opened.
  int64_t episodes_written() const { return episodes_written_; }

  // ---- Hooks, called by the env and the resolver (not by user code) ----
  /// After reset() has observed: starts an episode (writing an unfinished one first).
  void on_reset(const PhantomEnv& env);
  /// At the start of step(), after the clock advanced: the step and its actions.
  void on_step_begin(const PhantomEnv& env, const Actions& actions);
  /// At the end of step(): observations, rewards, done flags, infos, metrics, the FSM stage
  /// change if any; writes the episode if it ended.
  void on_step_end(const PhantomEnv& env, const StageTransition* transition = nullptr);
  /// At the start of each resolver round (round counts from 0; limit empty when unlimited).
  void on_resolver_round(int round, std::optional<int> round_limit);
  /// One message event. `payload` points at the header's payload bytes.
  void on_message(MessageEvent event, const MessageHeader& header, const void* payload);
  /// The same event for each of `count` messages of `queue`, given by index.
  void on_messages(MessageEvent event, const MessageQueue& queue, const uint32_t* indices,
                   std::size_t count);

 private:
  void print_step_values(const PhantomEnv& env, const StageTransition* transition);
  void record_step_values(const PhantomEnv& env, const StageTransition* transition);
  Json& current_step();
  // Writes the episode being recorded, marked unfinished unless `finished`, and flushes.
  void write_episode(bool finished);
  [[noreturn]] void throw_file_error(const std::string& what, int err) const;
  static PrintOptions disabled_printing() {
    PrintOptions p;
    p.enable = false;  // a new logger prints nothing until configure_printing()
    return p;
  }

  PrintOptions print_ = disabled_printing();
  FileOptions file_options_;
  std::FILE* file_ = nullptr;
  int64_t episodes_written_ = 0;
  bool recording_ = false;
  Json episode_;
  // The attached env's agent ids by network index (set at each reset and step).
  const std::vector<std::string>* ids_ = nullptr;
};

/// A payload's fields as the text of a JSON object (the same object telemetry logs), or "null"
/// when its type has no describe() (payload_fields.hpp).
std::string payload_json(const MessageHeader& header, const void* payload);

}  // namespace phantom
