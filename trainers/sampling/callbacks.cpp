// Callbacks: the no-op defaults, and CallbackList's forwarding in order.
#include "trainers/sampling/callbacks.hpp"

#include <utility>

#include "nn/error.hpp"

namespace phantom {

// Parameters are unnamed: the defaults ignore them.
void Callbacks::on_algorithm_init(Trainer&) {}
void Callbacks::on_create_policy(const std::string&, TrainablePolicy&) {}
void Callbacks::on_sub_environment_created(RolloutWorker&, PhantomEnv&, const EnvContext&, int) {}
void Callbacks::on_episode_start(RolloutWorker&, Episode&, int) {}
void Callbacks::on_episode_step(RolloutWorker&, Episode&, int) {}
void Callbacks::on_postprocess_trajectory(RolloutWorker&, Episode&, const std::string&,
                                          const std::string&, SampleBatch&, const SampleBatch&) {}
void Callbacks::on_episode_end(RolloutWorker&, Episode&, int) {}
void Callbacks::on_sample_end(RolloutWorker&, MultiAgentBatch&) {}
void Callbacks::on_learn_on_batch(TrainablePolicy&, SampleBatch&, std::map<std::string, double>&) {}
void Callbacks::on_train_result(Trainer&, IterationStats&) {}
void Callbacks::on_evaluate_start(Trainer&) {}
void Callbacks::on_evaluate_end(Trainer&, IterationStats&) {}

CallbackList::CallbackList(std::vector<std::shared_ptr<Callbacks>> callbacks) {
  callbacks_.reserve(callbacks.size());
  for (auto& c : callbacks) {
    if (!c) {
      throw ValueError("CallbackList: entry " + std::to_string(callbacks_.size()) +
                       " of the callbacks list is null; expected a callbacks object");
    }
    callbacks_.push_back(std::move(c));
  }
}

void CallbackList::add(std::shared_ptr<Callbacks> callbacks) {
  if (!callbacks) {
    throw ValueError("CallbackList::add: the callbacks to add (entry " +
                     std::to_string(callbacks_.size()) + ") is null; expected a callbacks object");
  }
  callbacks_.push_back(std::move(callbacks));
}

void CallbackList::on_algorithm_init(Trainer& trainer) {
  for (auto& c : callbacks_) c->on_algorithm_init(trainer);
}

void CallbackList::on_create_policy(const std::string& policy_id, TrainablePolicy& policy) {
  for (auto& c : callbacks_) c->on_create_policy(policy_id, policy);
}

void CallbackList::on_sub_environment_created(RolloutWorker& worker, PhantomEnv& env,
                                              const EnvContext& context, int env_index) {
  for (auto& c : callbacks_) c->on_sub_environment_created(worker, env, context, env_index);
}

void CallbackList::on_episode_start(RolloutWorker& worker, Episode& episode, int env_index) {
  for (auto& c : callbacks_) c->on_episode_start(worker, episode, env_index);
}

void CallbackList::on_episode_step(RolloutWorker& worker, Episode& episode, int env_index) {
  for (auto& c : callbacks_) c->on_episode_step(worker, episode, env_index);
}

void CallbackList::on_postprocess_trajectory(RolloutWorker& worker, Episode& episode,
                                             const std::string& agent_id,
                                             const std::string& policy_id,
                                             SampleBatch& postprocessed_batch,
                                             const SampleBatch& original_batch) {
  for (auto& c : callbacks_) {
    c->on_postprocess_trajectory(worker, episode, agent_id, policy_id, postprocessed_batch,
                                 original_batch);
  }
}

void CallbackList::on_episode_end(RolloutWorker& worker, Episode& episode, int env_index) {
  for (auto& c : callbacks_) c->on_episode_end(worker, episode, env_index);
}

void CallbackList::on_sample_end(RolloutWorker& worker, MultiAgentBatch& samples) {
  for (auto& c : callbacks_) c->on_sample_end(worker, samples);
}

void CallbackList::on_learn_on_batch(TrainablePolicy& policy, SampleBatch& train_batch,
                                     std::map<std::string, double>& result) {
  for (auto& c : callbacks_) c->on_learn_on_batch(policy, train_batch, result);
}

void CallbackList::on_train_result(Trainer& trainer, IterationStats& result) {
  for (auto& c : callbacks_) c->on_train_result(trainer, result);
}

void CallbackList::on_evaluate_start(Trainer& trainer) {
  for (auto& c : callbacks_) c->on_evaluate_start(trainer);
}

void CallbackList::on_evaluate_end(Trainer& trainer, IterationStats& evaluation_result) {
  for (auto& c : callbacks_) c->on_evaluate_end(trainer, evaluation_result);
}

}  // namespace phantom
