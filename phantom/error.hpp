// Exceptions of the simulation layer. All derive from phantom::Error (nn/error.hpp), and each
// message names the agent, payload, stage or connection involved and what was expected.
#pragma once

#include "nn/error.hpp"

namespace phantom {

/// A message could not be sent: no connection, or a payload an agent type may not send/receive.
class NetworkError : public Error {
 public:
  using Error::Error;
};

/// An agent could not handle something (no handler for a payload, missing encoder/decoder...).
class AgentError : public Error {
 public:
  using Error::Error;
};

/// The BatchResolver's round limit was reached with messages still queued.
class ResolverError : public Error {
 public:
  using Error::Error;
};

/// A view was read wrongly: from an agent that is not a neighbour, or as the wrong type.
class ViewError : public Error {
 public:
  using Error::Error;
};

/// An environment was used wrongly (stepping a finished episode, unknown agent id...).
class EnvError : public Error {
 public:
  using Error::Error;
};

/// A finite-state-machine env's stages are inconsistent (found at construction).
class FSMValidationError : public Error {
 public:
  using Error::Error;
};

/// A finite-state-machine env made a transition its stage does not allow.
class FSMRuntimeError : public Error {
 public:
  using Error::Error;
};

}  // namespace phantom
