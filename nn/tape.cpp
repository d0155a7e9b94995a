// The tape: arena memory for op results, the node list, and the backward pass.
#include "nn/tape.hpp"

#include <new>
#include <string>

#include "nn/error.hpp"

namespace nn {

void detail::throw_wrong_args(const char* op) {
  throw phantom::Error(std::string("autograd: op '") + op +
                       "' read its arguments as another type than it stored them");
}

namespace {
thread_local Tape* t_current_tape = nullptr;
thread_local bool t_grad_enabled = true;

constexpr std::size_t kAlign = 64;  // cache line; also the widest SIMD register
constexpr std::size_t kMinChunk = 64 * 1024;

std::size_t round_up(std::size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}
}  // namespace

Tape::Tape() {
  nodes_.reserve(64);
  extra_inputs_.reserve(16);
}

Tape::~Tape() {
  free_chunks();
}

Tape* Tape::current() {
  return t_current_tape;
}

std::size_t Tape::arena_capacity() const {
  std::size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

void Tape::free_chunks() {
  for (Chunk& c : chunks_) ::operator delete(c.data, std::align_val_t(kAlign));
  chunks_.clear();
}

// A new recording reuses the arena. If the last recording needed several chunks, they are merged
// into one big enough for all of it, so the next identical recording allocates nothing.
void Tape::begin_recording() {
  nodes_.clear();
  extra_inputs_.clear();
  if (chunks_.size() > 1) {
    std::size_t total = arena_capacity();
    free_chunks();
    chunks_.push_back({static_cast<char*>(::operator new(total, std::align_val_t(kAlign))), total});
  }
  used_in_last_ = 0;
  ++generation_;
  graph_released_ = false;
}

void* Tape::allocate_bytes(std::size_t bytes) {
  bytes = round_up(bytes);
  if (chunks_.empty() || used_in_last_ + bytes > chunks_.back().size) {
    std::size_t size = chunks_.empty() ? kMinChunk : 2 * chunks_.back().size;
    if (size < bytes) size = round_up(bytes);
    chunks_.push_back({static_cast<char*>(::operator new(size, std::align_val_t(kAlign))), size});
    used_in_last_ = 0;
  }
  void* p = chunks_.back().data + used_in_last_;
  used_in_last_ += bytes;
  return p;
}

Tensor Tape::new_tensor(const Shape& shape, bool with_grad) {
  Tensor t;
  int64_t n = shape.numel();
  t.data_ = allocate_floats(n);
  if (with_grad) {
    // The buffer, then its "untouched" flag in the byte after it (same arena block).
    const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(float);
    char* block = static_cast<char*>(allocate_bytes(bytes + 1));
    t.grad_ = reinterpret_cast<float*>(block);
    t.grad_untouched_ = new (block + bytes) bool(true);
  }
  t.shape_ = shape;
  t.tape_ = this;
  t.generation_ = generation_;
  t.live_generation_ = &generation_;
  t.requires_grad_ = with_grad;
  return t;
}

Node& Tape::record(Node::BackwardFn backward, const char* name, const Tensor& out) {
  nodes_.emplace_back();
  Node& n = nodes_.back();
  n.backward = backward;
  n.name = name;
  n.out = out;
  n.tape = this;
  return n;
}

int32_t Tape::add_extra_input(const Tensor& t) {
  extra_inputs_.push_back(t);
  return static_cast<int32_t>(extra_inputs_.size() - 1);
}

// Nodes were appended in execution order, so the reverse order visits every node after all the
// nodes that consumed its output: each output gradient is complete when its node runs.
void Tape::backward(const Tensor& root) {
  if (graph_released_) {
    throw phantom::Error(
        "backward: the graph of this recording was already used by an earlier backward(); open a "
        "new TapeScope and recompute the forward pass");
  }
  const_cast<float*>(root.grad())[0] += 1.0f;
  for (std::size_t i = nodes_.size(); i-- > 0;) {
    const Node& node = nodes_[i];
    node.backward(node);
  }
  // Release the graph (inputs' references); arena values stay readable until the next recording.
  nodes_.clear();
  extra_inputs_.clear();
  graph_released_ = true;
}

TapeScope::TapeScope(Tape& tape) : tape_(&tape), previous_(t_current_tape) {
  if (tape.active_) {
    throw phantom::Error(
        "TapeScope: this tape already has an open scope; use a second Tape for nested recordings");
  }
  tape.active_ = true;
  tape.begin_recording();
  t_current_tape = &tape;
}

TapeScope::~TapeScope() {
  tape_->active_ = false;
  t_current_tape = previous_;
}

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) {
  t_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
  t_grad_enabled = previous_;
}

bool grad_enabled() {
  return t_grad_enabled;
}

}  // namespace nn
