// The bodies of the training messages shared by rank 0 and the worker ranks.
#include "mpi/worker_protocol.hpp"

#include <cstring>

#include "mpi/error.hpp"
#include "nn/error.hpp"
#include "phantom/error.hpp"

namespace phantom::mpi {

std::string worker_entry(const char* what, int worker_index) {
  return std::string(what) + "." + std::to_string(worker_index);
}

void set_bytes(nn::StateDict& body, const std::string& name, const std::vector<uint8_t>& bytes) {
  body.set_string(name, std::string(bytes.begin(), bytes.end()));
}

WorkerFailure describe_failure(const std::exception_ptr& error, int rank, int worker) {
  WorkerFailure f;
  f.rank = rank;
  f.worker = worker;
  try {
    std::rethrow_exception(error);
  } catch (const TrainingError& e) {
    f.error = e.what();
    f.type = "TrainingError";
    f.skippable = e.skippable();
  } catch (const EnvError& e) {
    f.error = e.what();
    f.type = "EnvError";
  } catch (const std::exception& e) {
    f.error = e.what();
  } catch (...) {
    f.error = "an exception that is not a std::exception";
  }
  return f;
}

nn::StateDict failure_body(const WorkerFailure& f) {
  nn::StateDict body;
  body.set_int("rank", f.rank);
  body.set_int("worker", f.worker);
  body.set_string("error", f.error);
  body.set_string("type", f.type);
  body.set_int("skippable", f.skippable ? 1 : 0);
  if (f.has_env) {
    int64_t seed_bits;
    std::memcpy(&seed_bits, &f.episode_seed, 8);
    body.set_int("sub_env", f.sub_env);
    body.set_int("episode_seed", seed_bits);
    body.set_int("step", f.step);
  }
  return body;
}

WorkerFailure read_failure(const nn::StateDict& body) {
  WorkerFailure f;
  f.rank = static_cast<int>(body.get_count("rank", 1 << 30));
  f.worker = static_cast<int>(body.get_count("worker", 1 << 30));
  f.error = body.get_string("error");
  f.type = body.get_string("type");
  f.skippable = body.get_int("skippable") != 0;
  f.has_env = body.contains("episode_seed");
  if (f.has_env) {
    const int64_t seed_bits = body.get_int("episode_seed");
    std::memcpy(&f.episode_seed, &seed_bits, 8);
    f.sub_env = static_cast<int>(body.get_count("sub_env", 1 << 30));
    f.step = body.get_count("step");
  }
  return f;
}

void throw_failure(const WorkerFailure& f, const std::string& worker_kind) {
  std::string text = (f.worker > 0 ? worker_kind + " " + std::to_string(f.worker) + " on " : "") +
                     "rank " + std::to_string(f.rank) + ": " + f.error;
  if (f.has_env) {
    text += " (sub-env " + std::to_string(f.sub_env) + ", episode seed " +
            std::to_string(f.episode_seed) + ", step " + std::to_string(f.step) + ")";
  }
  if (f.type == "TrainingError") throw TrainingError(text, f.skippable);
  if (f.type == "EnvError") throw EnvError(text);
  throw RankFailure(f.rank, text);
}

}  // namespace phantom::mpi
