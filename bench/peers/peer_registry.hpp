// Which peer libraries this peer_bench was built with, and their start-up steps. Each peer's
// translation unit registers itself, so main.cpp knows none of them (a peer missing at configure
// time is simply not compiled in).
#pragma once

#include <string>
#include <vector>

namespace peers {

/// A peer's start-up step: pins the peer to one thread, prints what it runs on, and checks that
/// it computes what our implementation computes (so the benchmarks compare equal work). Returns
/// false, after printing why, if it does not.
using StartupCheck = bool (*)();

/// A registered peer: its name ("Eigen", "OpenBLAS", "libtorch") and its start-up step.
struct Peer {
  std::string name;
  StartupCheck startup;
};

/// Registers a peer; called while static objects are initialised, and returns true so a
/// namespace-scope constant can hold the call.
bool register_peer(std::string name, StartupCheck startup);

/// All registered peers, in registration order.
const std::vector<Peer>& registered_peers();

}  // namespace peers
