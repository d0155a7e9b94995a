#include "peer_registry.hpp"

#include <utility>

namespace peers {

namespace {

// A function-local static, so registering from other translation units' static initialisers
// does not depend on the order in which those run.
std::vector<Peer>& peers_list() {
  static std::vector<Peer> list;
  return list;
}

}  // namespace

bool register_peer(std::string name, StartupCheck startup) {
  peers_list().push_back({std::move(name), startup});
  return true;
}

const std::vector<Peer>& registered_peers() {
  return peers_list();
}

}  // namespace peers
