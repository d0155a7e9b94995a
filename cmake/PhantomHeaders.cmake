#Which headers are the library's public API (installed, and compiled on their own by the tests)
#and which are internal(shared by a few source files, never installed).
#
#A header is public when a user needs it for the documented API or when a public header includes
#it; everything else is internal.Kernel internals are internal because they are not standalone:
#elementwise_impl.hpp, gemm_impl.hpp and math_impl.hpp are pasted into an ISA file's namespace
#after its simd_*.hpp vocabulary, which in turn only compiles with that ISA's -m flags.
#
#Both lists are explicit(no glob decides what gets installed), and phantom_check_header_lists()
#keeps them true to the tree : configuring fails if a header under nn / phantom / trainers /
#analysis / is in neither list(or in both), if a listed header does not exist, or if a public
#header includes an internal one.

set(PHANTOM_PUBLIC_HEADERS
  nn/distributions.hpp
  nn/error.hpp
  nn/init.hpp
  nn/kernels/kernels.hpp
  nn/layers.hpp
  nn/libm.hpp
  nn/ops.hpp
  nn/optim.hpp
  nn/parse_number.hpp
  nn/rng.hpp
  nn/serialize.hpp
  nn/tape.hpp
  nn/tensor.hpp
  nn/thread_pool.hpp
  phantom/agent.hpp
  phantom/agent_arena.hpp
  phantom/context.hpp
  phantom/decoder.hpp
  phantom/encoder.hpp
  phantom/env.hpp
  phantom/env_config.hpp
  phantom/env_signature.hpp
  phantom/error.hpp
  phantom/format.hpp
  phantom/fsm_env.hpp
  phantom/json.hpp
  phantom/message.hpp
  phantom/metrics.hpp
  phantom/network.hpp
  phantom/network_neighbours.hpp
  phantom/payload_fields.hpp
  phantom/phantom.hpp
  phantom/policy.hpp
  phantom/policy_config.hpp
  phantom/policy_mapping.hpp
  phantom/range.hpp
  phantom/resolver.hpp
  phantom/reward.hpp
  phantom/sampler.hpp
  phantom/single_agent_adapter.hpp
  phantom/space.hpp
  phantom/stackelberg_env.hpp
  phantom/stochastic_network.hpp
  phantom/strategic_agent.hpp
  phantom/supertype.hpp
  phantom/telemetry.hpp
  phantom/type_id.hpp
  phantom/view.hpp
  trainers/env_runner.hpp
  trainers/evaluation.hpp
  trainers/evaluation_worker_builder.hpp
  trainers/evaluation_workers.hpp
  trainers/iteration_stats.hpp
  trainers/local_evaluation_workers.hpp
  trainers/offline/batch_json.hpp
  trainers/offline/input_files.hpp
  trainers/offline/input_reader.hpp
  trainers/offline/json_reader.hpp
  trainers/offline/json_writer.hpp
  trainers/offline/mixed_input.hpp
  trainers/offline/off_policy_estimator.hpp
  trainers/offline/offline_options.hpp
  trainers/offline/offline_session.hpp
  trainers/offline/shuffled_input.hpp
  trainers/ppo/actor_critic.hpp
  trainers/ppo/gae.hpp
  trainers/ppo/ppo_loss.hpp
  trainers/ppo/ppo_options.hpp
  trainers/ppo/ppo_policy.hpp
  trainers/ppo/ppo_trainer.hpp
  trainers/qlearning/iteration_schedule.hpp
  trainers/qlearning/q_learning_trainer.hpp
  trainers/qlearning/q_table_policy.hpp
  trainers/sampling/callbacks.hpp
  trainers/sampling/episode.hpp
  trainers/sampling/episode_metrics.hpp
  trainers/sampling/epsilon_greedy.hpp
  trainers/sampling/exploration.hpp
  trainers/sampling/filter_set.hpp
  trainers/sampling/gaussian_noise.hpp
  trainers/sampling/multi_agent_batch.hpp
  trainers/sampling/non_finite.hpp
  trainers/sampling/observation_filter.hpp
  trainers/sampling/rollout_worker.hpp
  trainers/sampling/running_stat.hpp
  trainers/sampling/sample_batch.hpp
  trainers/sampling/schedule.hpp
  trainers/sampling/stochastic_sampling.hpp
  trainers/sampling/trainable_policy.hpp
  trainers/sampling/worker_messages.hpp
  trainers/sampling/worker_set.hpp
  trainers/trainer.hpp
  analysis/csv_logger.hpp
  analysis/csv_reader.hpp
  analysis/evaluate_policy.hpp
  analysis/progress_bar.hpp
  analysis/range_grid.hpp
  analysis/results_dir.hpp
  analysis/rollout.hpp
  analysis/rollout_csv.hpp
  analysis/rollout_tensorboard.hpp
  analysis/rollout_runner.hpp
  analysis/svg_plot.hpp
  analysis/tensorboard_writer.hpp
  analysis/utc_stamp.hpp
  analysis/text_file.hpp)

#Public headers CMake writes into the build tree(${PROJECT_BINARY_DIR} / include / ...).
set(PHANTOM_GENERATED_HEADERS
  phantom/version.hpp)

set(PHANTOM_INTERNAL_HEADERS
#Kernel internals : dispatch tables, the per - ISA vector vocabularies and the code written over
#them, shared constants of the scalar and SIMD paths.
  nn/kernels/active_isa.hpp
  nn/kernels/elementwise_impl.hpp
  nn/kernels/elementwise_paths.hpp
  nn/kernels/gemm_impl.hpp
  nn/kernels/gemm_internal.hpp
  nn/kernels/gemm_narrow_impl.hpp
  nn/kernels/math_constants.hpp
  nn/kernels/math_impl.hpp
  nn/kernels/simd_avx2.hpp
  nn/kernels/simd_avx512.hpp
#The atomic file write shared by checkpoints and results - directory text files.
  nn/atomic_file.hpp
#Helpers shared by the op files(nn / ops/*.cpp).
  nn/ops/op_support.hpp
  # The tokenizer behind the text forms; users parse through env_config.hpp / policy_mapping.hpp.
  phantom/config_lexer.hpp
  # PPO's learning scratch and its fused Categorical loss; the rollout worker's state, Box
  # action rule, row builder and copies.
  trainers/ppo/ppo_categorical_loss.hpp
  trainers/ppo/ppo_learning.hpp
  trainers/sampling/box_action.hpp
  trainers/sampling/copy_values.hpp
  trainers/sampling/trajectory_builder.hpp
  trainers/sampling/worker_state.hpp
  # The mapping of the metrics CSV's columns to TensorBoard tags (TrainOptions::tensorboard_dir).
  trainers/tensorboard_log.hpp
  # The rollout runner's job scheduling, the logic of the installed phantom-plot program, and
  # the checksum and byte encoding behind TensorBoardWriter.
  analysis/crc32c.hpp
  analysis/ordered_jobs.hpp
  analysis/plot_cli.hpp
  analysis/tensorboard_event.hpp)

# Fails configuring, naming the header, when the lists above and the tree disagree.
function(phantom_check_header_lists)
  set(layers nn phantom trainers analysis)
  set(globs "")
  foreach(layer ${layers})
    list(APPEND globs ${PROJECT_SOURCE_DIR}/${layer}/*.hpp)
  endforeach()
  file(GLOB_RECURSE found RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS ${globs})

  set(problems "")
  foreach(h ${found})
    list(FIND PHANTOM_PUBLIC_HEADERS ${h} pub)
    list(FIND PHANTOM_INTERNAL_HEADERS ${h} int)
    if(pub EQUAL -1 AND int EQUAL -1)
      string(APPEND problems "\n  ${h} is in neither list: add it to PHANTOM_PUBLIC_HEADERS "
        "(installed) or PHANTOM_INTERNAL_HEADERS")
    elseif(NOT pub EQUAL -1 AND NOT int EQUAL -1)
      string(APPEND problems "\n  ${h} is in both lists")
    endif()
  endforeach()
  foreach(h ${PHANTOM_PUBLIC_HEADERS} ${PHANTOM_INTERNAL_HEADERS})
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${h})
      string(APPEND problems "\n  ${h} is listed but does not exist")
    endif()
  endforeach()

  # A public header may include only public headers: an installed copy could not find the rest.
  foreach(h ${PHANTOM_PUBLIC_HEADERS})
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${h})
      continue()
    endif()
    file(STRINGS ${PROJECT_SOURCE_DIR}/${h} includes
      REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](nn|phantom|trainers|analysis)/[^>\"]+[>\"]")
    foreach(line ${includes})
      string(REGEX REPLACE "^[^<\"]*[<\"]([^>\"]+)[>\"].*$" "\\1" included "${line}")
      list(FIND PHANTOM_PUBLIC_HEADERS ${included} pub)
      list(FIND PHANTOM_GENERATED_HEADERS ${included} gen)
      if(pub EQUAL -1 AND gen EQUAL -1)
        string(APPEND problems "\n  public ${h} includes ${included}, which is not public")
      endif()
    endforeach()
  endforeach()

  if(problems)
    message(FATAL_ERROR "phantom: the header lists in cmake/PhantomHeaders.cmake disagree with "
      "the tree:${problems}")
  endif()
endfunction()
