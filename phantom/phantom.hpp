// Everything a tutorial needs, in one include:
//
//   #include <phantom/phantom.hpp>
//
// agents and their messages, the network, envs (plain and FSM), spaces, supertypes and ranges,
// metrics, policy mapping, the PPO trainer with its callbacks, rollouts (the runner, its records
// and CSV exports) and the library's version.
//
// This is the one header above every layer (each layer's own headers include only from the layers
// below them). It is a convenience with a price: about 3 s of compile time in every file that
// includes it (env.hpp alone: 2 s), so the library's own files include what they use instead, and
// so may yours once they grow. Less common pieces (Q-learning, the Stackelberg env, the numeric
// core beyond what PPO pulls in, plots) are left out: include their headers by name.
#pragma once

// The simulation: agents, messages, the network, envs.
#include "phantom/agent.hpp"
#include "phantom/context.hpp"
#include "phantom/env.hpp"
#include "phantom/error.hpp"
#include "phantom/fsm_env.hpp"
#include "phantom/message.hpp"
#include "phantom/network.hpp"
#include "phantom/strategic_agent.hpp"
#include "phantom/view.hpp"

// Spaces, supertypes, samplers, ranges and env configurations.
#include "phantom/env_config.hpp"
#include "phantom/range.hpp"
#include "phantom/sampler.hpp"
#include "phantom/space.hpp"
#include "phantom/supertype.hpp"

// Metrics, policies and which agent uses which.
#include "phantom/metrics.hpp"
#include "phantom/policy.hpp"
#include "phantom/policy_mapping.hpp"

// Training with PPO.
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/sampling/callbacks.hpp"
#include "trainers/trainer.hpp"

// Rollouts of trained policies, and their records.
#include "analysis/evaluate_policy.hpp"
#include "analysis/rollout.hpp"
#include "analysis/rollout_csv.hpp"
#include "analysis/rollout_runner.hpp"

#include "phantom/version.hpp"
