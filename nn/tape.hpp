// The autograd tape: records ops as they run, then replays them backwards.
//
// This is micrograd's idea with C++ types. Every op computed while a TapeScope is open appends a
// Node (its output, up to two inputs, a few op parameters and a pointer to its backward function)
// to the tape. Because nodes are appended in the order they ran, walking the list backwards is
// already a valid topological order: backward() seeds d(root)/d(root) = 1 and calls each node's
// backward function, which adds its contribution to its inputs' gradients.
//
// Memory: op outputs (and their gradients) live in the tape's arena, a bump allocator. Opening a
// new TapeScope on the tape starts a new recording and reuses all of that memory, so a training
// loop that does the same ops every iteration allocates nothing after the first one.
//
//   nn::Tape tape;
//   for (...) {
//     nn::TapeScope scope(tape);            // new recording; previous results are invalidated
//     nn::Tensor loss = nn::mean(nn::square(model.forward(x) - y));
//     optimizer.zero_grad();
//     loss.backward();                      // gradients land in the parameters' grad()
//     optimizer.step();
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/tensor.hpp"

namespace nn {

class Tape;

/// One recorded op. `backward` reads out.grad() and adds into in[i].grad() where in[i] requires
/// a gradient. The remaining fields are op-specific parameters (see each op's file).
struct Node {
  using BackwardFn = void (*)(const Node& node);
  BackwardFn backward = nullptr;
  const char* name = "";  // op name, for error messages
  Tensor out;
  Tensor in[3];
  int axis = 0;         // dimension argument
  bool flag_a = false;  // e.g. trans_a, broadcast flags
  bool flag_b = false;
  float alpha = 0.0f;  // scalar arguments (clamp bounds, ...)
  float beta = 0.0f;
  void* aux = nullptr;  // op-owned arena memory (argmax positions, indices...)
  int64_t aux_count = 0;
  Tape* tape = nullptr;     // the tape holding this node (for extra inputs)
  int32_t extra_begin = 0;  // concat: inputs are tape->extra_inputs()[extra_begin, +extra_count)
  int32_t extra_count = 0;
};

class Tape {
 public:
  Tape();
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// The innermost tape with an open TapeScope on this thread, or nullptr.
  static Tape* current();

  /// True while ops should record nodes on this tape: a scope is open and backward() has not yet
  /// released this recording's graph.
  bool recording() const { return active_ && !graph_released_; }
  /// Number of nodes recorded in the current recording.
  std::size_t num_nodes() const { return nodes_.size(); }
  /// Bytes of arena memory held (kept across recordings).
  std::size_t arena_capacity() const;
  /// Increases with every new recording; tensors remember the one they were made in.
  uint64_t generation() const { return generation_; }

  // ---- Used by ops (nn/ops/*.cpp) ----
  /// Uninitialised, 64-byte aligned arena memory for this recording.
  void* allocate_bytes(std::size_t bytes);
  float* allocate_floats(int64_t count) {
    return static_cast<float*>(allocate_bytes(static_cast<std::size_t>(count) * sizeof(float)));
  }
  /// A new tensor in the arena; with `with_grad` it gets a zeroed gradient buffer too.
  Tensor new_tensor(const Shape& shape, bool with_grad);
  /// Appends a node; the reference is valid until the next record().
  Node& record(Node::BackwardFn backward, const char* name, const Tensor& out);
  /// Extra inputs for ops with more than two (concat).
  int32_t add_extra_input(const Tensor& t);
  const Tensor& extra_input(int32_t i) const { return extra_inputs_[static_cast<std::size_t>(i)]; }

  /// Runs backward from `root` (see Tensor::backward) and releases the graph.
  void backward(const Tensor& root);

 private:
  friend class TapeScope;
  struct Chunk {
    char* data = nullptr;
    std::size_t size = 0;
  };
  void begin_recording();
  void free_chunks();

  std::vector<Node> nodes_;
  std::vector<Tensor> extra_inputs_;
  std::vector<Chunk> chunks_;  // normally one; several only while growing in a recording
  std::size_t used_in_last_ = 0;
  uint64_t generation_ = 1;
  bool active_ = false;  // a TapeScope is open on it
  bool graph_released_ = false;
};

/// Makes `tape` the current tape of this thread until the scope ends, starting a new recording
/// (which invalidates tensors of the previous recording of that tape). Scopes nest; a tape may be
/// opened only once at a time.
class TapeScope {
 public:
  explicit TapeScope(Tape& tape);
  ~TapeScope();
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;

 private:
  Tape* tape_;
  Tape* previous_;
};

/// While alive, ops on this thread record no gradient (results still go to the current tape).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// False inside a NoGradGuard.
bool grad_enabled();

}  // namespace nn
