// nn::Tensor: a float32, contiguous, row-major array of up to 4 dimensions, with autograd.
//
// A Tensor is a small handle (pointer + shape). Its memory lives in one of two places:
//  * owned storage, shared by copies of the handle, for tensors you create (Tensor::zeros,
//    from_vector...) such as parameters, inputs and optimiser state;
//  * the arena of a Tape, for the results of ops computed while a TapeScope is open. Arena
//    memory is reused by the next recording on that tape, which is why a training step allocates
//    nothing in steady state. Using such a tensor after its tape was reset throws.
// Ops computed with no TapeScope open return owned tensors and record no gradient.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace nn {

class Tape;

/// The extent of each dimension of a tensor (rank 0..4). A rank-0 shape is a scalar.
class Shape {
 public:
  static constexpr int kMaxRank = 4;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims);

  int rank() const { return rank_; }
  /// Extent of dimension i; negative i counts from the end (-1 is the last).
  int64_t operator[](int i) const { return dims_[i < 0 ? i + rank_ : i]; }
  /// Number of elements (1 for a scalar); cached, since every op asks for it.
  int64_t numel() const { return numel_; }
  /// Product of dims before `dim` / after `dim` (the shape seen as [outer, dims[dim], inner]).
  int64_t outer(int dim) const;
  int64_t inner(int dim) const;
  /// Maps a possibly negative dim to [0, rank); throws ShapeError naming `op` if out of range.
  int normalize_dim(int dim, const char* op) const;
  /// The shape with dimension `dim` removed (keepdim = false) or set to 1 (keepdim = true).
  Shape reduced(int dim, bool keepdim) const;
  /// The shape with dimension `dim` changed to `extent`.
  Shape with_dim(int dim, int64_t extent) const;

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  /// E.g. "[64, 4]"; "[]" for a scalar.
  std::string to_string() const;

 private:
  void update_numel();

  int rank_ = 0;
  int64_t dims_[kMaxRank] = {0, 0, 0, 0};
  int64_t numel_ = 1;
};

namespace detail {
struct Storage;  // owned data (+ gradient) of a tensor created outside a tape
}

class Tensor {
 public:
  /// An undefined tensor (no data); defined() is false.
  Tensor() = default;

  // ---- Creation: owned storage, zero-initialised unless a value is given ----
  static Tensor zeros(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  static Tensor scalar(float value);

  bool defined() const { return data_ != nullptr || shape_.numel() == 0; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  /// Extent of dimension i (negative counts from the end).
  int64_t dim(int i) const { return shape_[i]; }
  int64_t numel() const { return shape_.numel(); }

  /// Raw element access (row-major). Throws if the tensor's tape has been reset since.
  float* data() {
    check_alive();
    return data_;
  }
  const float* data() const {
    check_alive();
    return data_;
  }
  /// The single value of a one-element tensor.
  float item() const;
  /// A copy of the values.
  std::vector<float> to_vector() const;
  /// An owned deep copy (no gradient, not on any tape).
  Tensor clone() const;
  /// Copies values from `src` (same numel) into this tensor's memory.
  void copy_from(const Tensor& src);
  void fill(float value);

  // ---- Autograd ----
  /// Whether gradients flow into this tensor. For a tensor you created this belongs to its
  /// storage, like its values: every copy of the handle sees set_requires_grad() and shares one
  /// gradient buffer (a detach()ed view never requires a gradient).
  bool requires_grad() const;
  /// Marks an owned tensor as a trainable leaf and allocates its (zeroed) gradient buffer.
  Tensor& set_requires_grad(bool on = true);
  /// The gradient buffer (same shape as the tensor), or nullptr if requires_grad() is false.
  /// An op result's buffer starts untouched, and zero_grad() leaves a buffer untouched; such a
  /// buffer is cleared here on first access if no backward function has written it yet
  /// (Tape::new_tensor), so that first call writes to the buffer: do not make it for the same
  /// tensor (op result or parameter after zero_grad) from several threads at once.
  float* grad();
  const float* grad() const;
  /// The gradient as an owned tensor copy (zeros if none).
  Tensor grad_tensor() const;
  /// Sets the gradient to zeros. The clearing is deferred: the buffer is marked untouched, and
  /// the first backward function to reach it writes its contribution instead of adding it to
  /// zeros (grad() clears it if anything else comes first).
  void zero_grad();
  /// Back-propagates from this one-element tensor through the tape that recorded it, adding
  /// d(this)/d(leaf) into every leaf's grad(); then releases the recorded graph.
  void backward() const;
  /// The same values without gradient tracking (shares memory).
  Tensor detach() const;

  /// The tape this tensor's memory belongs to (nullptr for owned tensors).
  Tape* tape() const { return tape_; }

 private:
  friend class Tape;
  friend struct TensorAccess;
  // Inline because every data()/grad() call makes it: one compare in the normal case.
  void check_alive() const {
    if (live_generation_ != nullptr && *live_generation_ != generation_) throw_stale();
  }
  [[noreturn]] void throw_stale() const;

  std::shared_ptr<detail::Storage> storage_;  // null for tensors living in a tape arena
  float* data_ = nullptr;
  float* grad_ = nullptr;  // arena tensors only (owned ones keep theirs in storage_)
  // A flag shared by every handle of the tensor (in the arena for op results, in the storage for
  // owned tensors), true while the gradient buffer has received no contribution and holds
  // garbage or stale values standing for zeros (see Tape::new_tensor and zero_grad).
  bool* grad_untouched_ = nullptr;
  Shape shape_;
  Tape* tape_ = nullptr;
  uint64_t generation_ = 0;                    // tape recording this tensor belongs to
  const uint64_t* live_generation_ = nullptr;  // the tape's current recording (arena tensors)
  bool requires_grad_ = false;                 // arena tensors only
  bool detached_ = false;                      // a detach()ed view of owned storage
};

}  // namespace nn
