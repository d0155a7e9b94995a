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
#include <new>
#include <type_traits>
#include <vector>

#include "nn/tensor.hpp"

namespace nn {

class Tape;

namespace detail {
// One address per argument type: what Node::args<T>() checks the stored arguments against.
template <class Args>
struct ArgsTag {
  static constexpr char id = 0;
};
[[noreturn]] void throw_wrong_args(const char* op);
}  // namespace detail

/// One recorded op. `backward` reads out.grad() and adds into in[i].grad() where in[i] requires
/// a gradient. An op with parameters of its own (a dimension, a constant, transposition flags,
/// the rows it gathered...) keeps them in a small struct of its family, defined in its op file,
/// stored in the tape's arena by Tape::set_args and read back with args<T>().
struct Node {
  using BackwardFn = void (*)(const Node& node);
  BackwardFn backward = nullptr;
  const char* name = "";  // op name, for error messages
  Tensor out;
  Tensor in[3];
  Tape* tape = nullptr;  // the tape holding this node (for extra inputs)

  /// The op's arguments, as Tape::set_args stored them. Throws phantom::Error naming the op if
  /// they were stored as another type (a mistake in the op's file).
  template <class Args>
  const Args& args() const {
    if (args_type_ != &detail::ArgsTag<Args>::id) detail::throw_wrong_args(name);
    return *static_cast<const Args*>(args_);
  }

 private:
  friend class Tape;
  const void* args_ = nullptr;
  const void* args_type_ = nullptr;  // &detail::ArgsTag<T>::id of the stored type
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
  /// A new tensor in the arena; with `with_grad` it gets a gradient buffer too. That buffer is
  /// not cleared here: it is "untouched" and reads as zeros (Tensor::grad() zeroes it on first
  /// use), unless the first backward function to reach it writes its contribution straight in
  /// (TensorAccess::grad_for_contribution), which saves clearing and re-reading it.
  Tensor new_tensor(const Shape& shape, bool with_grad);
  /// Appends a node; the reference is valid until the next record().
  Node& record(Node::BackwardFn backward, const char* name, const Tensor& out);
  /// Stores `args` in this recording's arena as `node`'s arguments (see Node::args). Plain
  /// structs only: the arena is reused without running destructors.
  template <class Args>
  void set_args(Node& node, const Args& args) {
    static_assert(std::is_trivially_copyable_v<Args> && std::is_trivially_destructible_v<Args>,
                  "op arguments live in the arena: a plain struct of values and arena pointers");
    node.args_ = new (allocate_bytes(sizeof(Args))) Args(args);
    node.args_type_ = &detail::ArgsTag<Args>::id;
  }
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
