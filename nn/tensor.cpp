// Shape and Tensor: creation, element access, and the entry point of backward().
#include "nn/tensor.hpp"

#include <cstring>
#include <new>
#include <sstream>

#include "nn/error.hpp"
#include "nn/tape.hpp"

namespace nn {

// ---------------------------------------------------------------------------------------------
// Shape
// ---------------------------------------------------------------------------------------------

namespace {
void check_rank_and_dims(const int64_t* dims, std::size_t rank) {
  if (rank > static_cast<std::size_t>(Shape::kMaxRank)) {
    throw phantom::ShapeError("Shape: rank " + std::to_string(rank) + " exceeds the maximum of " +
                              std::to_string(Shape::kMaxRank));
  }
  for (std::size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) {
      throw phantom::ShapeError("Shape: dimension " + std::to_string(i) + " is negative (" +
                                std::to_string(dims[i]) + ")");
    }
  }
}
}  // namespace

Shape::Shape(std::initializer_list<int64_t> dims) {
  check_rank_and_dims(dims.begin(), dims.size());
  rank_ = static_cast<int>(dims.size());
  int i = 0;
  for (int64_t d : dims) dims_[i++] = d;
  update_numel();
}

Shape::Shape(const std::vector<int64_t>& dims) {
  check_rank_and_dims(dims.data(), dims.size());
  rank_ = static_cast<int>(dims.size());
  for (int i = 0; i < rank_; ++i) dims_[i] = dims[static_cast<std::size_t>(i)];
  update_numel();
}

void Shape::update_numel() {
  numel_ = 1;
  for (int i = 0; i < rank_; ++i) numel_ *= dims_[i];
}

int64_t Shape::outer(int dim) const {
  int64_t n = 1;
  for (int i = 0; i < dim; ++i) n *= dims_[i];
  return n;
}

int64_t Shape::inner(int dim) const {
  int64_t n = 1;
  for (int i = dim + 1; i < rank_; ++i) n *= dims_[i];
  return n;
}

int Shape::normalize_dim(int dim, const char* op) const {
  int d = dim < 0 ? dim + rank_ : dim;
  if (d < 0 || d >= rank_) {
    throw phantom::ShapeError(std::string(op) + ": dimension " + std::to_string(dim) +
                              " is out of range for a tensor of shape " + to_string());
  }
  return d;
}

Shape Shape::reduced(int dim, bool keepdim) const {
  Shape s;
  for (int i = 0; i < rank_; ++i) {
    if (i == dim) {
      if (keepdim) s.dims_[s.rank_++] = 1;
    } else {
      s.dims_[s.rank_++] = dims_[i];
    }
  }
  s.update_numel();
  return s;
}

Shape Shape::with_dim(int dim, int64_t extent) const {
  Shape s = *this;
  s.dims_[dim] = extent;
  s.update_numel();
  return s;
}

bool Shape::operator==(const Shape& o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[i] != o.dims_[i]) return false;
  return true;
}

std::string Shape::to_string() const {
  std::ostringstream s;
  s << '[';
  for (int i = 0; i < rank_; ++i) s << (i ? ", " : "") << dims_[i];
  s << ']';
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// Tensor
// ---------------------------------------------------------------------------------------------

namespace detail {

// Owned tensor memory starts on a 64-byte boundary (a cache line, and one AVX-512 register):
// kernels then never split a vector load across cache lines at the start of a row.
template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  static constexpr std::size_t kAlign = 64;
  CacheAlignedAllocator() = default;
  template <class U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlign)));
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kAlign)); }
  friend bool operator==(const CacheAlignedAllocator&, const CacheAlignedAllocator&) {
    return true;
  }
  friend bool operator!=(const CacheAlignedAllocator&, const CacheAlignedAllocator&) {
    return false;
  }
};
using AlignedFloats = std::vector<float, CacheAlignedAllocator<float>>;
// Memory of a tensor created outside a tape. Shared by copies of the handle.
// requires_grad lives here, not in the handle, so that a copy of a parameter's handle taken
// before set_requires_grad() (a layer's member, an optimiser's list) still gets the gradient.
struct Storage {
  AlignedFloats data;
  AlignedFloats grad;  // empty until set_requires_grad()
  bool requires_grad = false;
  // Set by zero_grad(): grad holds stale values standing for zeros until its first use (every
  // handle's grad_untouched_ points here; see Tensor::grad and grad_for_contribution).
  bool grad_untouched = false;
};
}  // namespace detail

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t;
  t.storage_ = std::make_shared<detail::Storage>();
  t.storage_->data.assign(static_cast<std::size_t>(shape.numel()), value);
  t.data_ = t.storage_->data.data();
  t.grad_untouched_ = &t.storage_->grad_untouched;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::zeros(const Shape& shape) {
  return full(shape, 0.0f);
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != shape.numel()) {
    throw phantom::ShapeError("Tensor::from_vector: " + std::to_string(values.size()) +
                              " values cannot fill shape " + shape.to_string() + " (" +
                              std::to_string(shape.numel()) + " elements)");
  }
  Tensor t = zeros(shape);
  std::copy(values.begin(), values.end(), t.storage_->data.begin());
  return t;
}

Tensor Tensor::scalar(float value) {
  return full(Shape{}, value);
}

void Tensor::throw_stale() const {
  throw phantom::Error(
      "Tensor of shape " + shape_.to_string() +
      " was used after its Tape started a new recording; results of ops live until the next "
      "TapeScope on the same tape (clone() them to keep them)");
}

namespace {
// Reading an undefined tensor would dereference a null pointer (its rank-0 shape has 1 element).
void require_defined(const Tensor& t, const char* fn) {
  if (!t.defined()) {
    throw phantom::ValueError(std::string("Tensor::") + fn +
                              ": the tensor is undefined (default-constructed)");
  }
}
}  // namespace

float Tensor::item() const {
  require_defined(*this, "item");
  if (numel() != 1) {
    throw phantom::ShapeError("Tensor::item: expected a single element, got shape " +
                              shape_.to_string());
  }
  return data()[0];
}

std::vector<float> Tensor::to_vector() const {
  require_defined(*this, "to_vector");
  const float* d = data();
  return std::vector<float>(d, d + numel());
}

Tensor Tensor::clone() const {
  require_defined(*this, "clone");
  Tensor t = zeros(shape_);
  if (numel() > 0) std::memcpy(t.data_, data(), static_cast<std::size_t>(numel()) * sizeof(float));
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  require_defined(*this, "copy_from");
  require_defined(src, "copy_from");
  if (src.numel() != numel()) {
    throw phantom::ShapeError("Tensor::copy_from: source shape " + src.shape().to_string() +
                              " does not have the " + std::to_string(numel()) +
                              " elements of destination shape " + shape_.to_string());
  }
  // memmove: src may share this tensor's memory (itself, a reshape or detach() view).
  if (numel() > 0)
    std::memmove(data(), src.data(), static_cast<std::size_t>(numel()) * sizeof(float));
}

void Tensor::fill(float value) {
  require_defined(*this, "fill");
  float* d = data();
  for (int64_t i = 0; i < numel(); ++i) d[i] = value;
}

bool Tensor::requires_grad() const {
  if (storage_) return !detached_ && storage_->requires_grad;
  return requires_grad_;
}

float* Tensor::grad() {
  return const_cast<float*>(static_cast<const Tensor&>(*this).grad());
}

const float* Tensor::grad() const {
  check_alive();
  if (!requires_grad()) return nullptr;
  float* g = storage_ ? storage_->grad.data() : grad_;
  if (grad_untouched_ != nullptr && *grad_untouched_) {  // first use: the zeros it stands for
    std::memset(g, 0, static_cast<std::size_t>(numel()) * sizeof(float));
    *grad_untouched_ = false;
  }
  return g;
}

Tensor& Tensor::set_requires_grad(bool on) {
  if (!storage_) {
    throw phantom::ValueError(
        "set_requires_grad: only tensors you create (Tensor::zeros, from_vector, ...) can be "
        "trainable leaves; results of ops get gradients from their inputs");
  }
  if (detached_) {
    throw phantom::ValueError(
        "set_requires_grad: a detach()ed tensor shares its values with the original and cannot "
        "be a trainable leaf; clone() it to make a new one");
  }
  if (on && storage_->grad.size() != storage_->data.size()) {
    storage_->grad.assign(storage_->data.size(), 0.0f);
  }
  storage_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad_tensor() const {
  Tensor t = zeros(shape_);
  const float* g = grad();
  if (g != nullptr && numel() > 0) {
    std::memcpy(t.data_, g, static_cast<std::size_t>(numel()) * sizeof(float));
  }
  return t;
}

// Clearing is deferred: the buffer is marked untouched, so the first backward function to reach
// it writes its contribution instead of adding it to zeros (a parameter's dW gemm starts from +0
// rather than loading a cleared buffer), and any other first use clears it then (grad()).
void Tensor::zero_grad() {
  check_alive();
  if (!requires_grad()) return;
  *grad_untouched_ = true;
}

void Tensor::backward() const {
  if (!defined()) throw phantom::Error("backward: called on an undefined tensor");
  if (numel() != 1) {
    throw phantom::ShapeError("backward: the root must have a single element (a loss), got shape " +
                              shape_.to_string());
  }
  if (tape_ == nullptr) {
    throw phantom::Error(
        "backward: this tensor was not computed under a TapeScope, so no graph was recorded; open "
        "an nn::TapeScope before the forward pass");
  }
  if (!requires_grad()) {
    throw phantom::Error(
        "backward: this tensor does not require a gradient (no input required one, or it was "
        "computed under NoGradGuard)");
  }
  check_alive();
  tape_->backward(*this);
}

Tensor Tensor::detach() const {
  Tensor t = *this;
  t.grad_ = nullptr;
  t.grad_untouched_ = nullptr;
  t.requires_grad_ = false;
  t.detached_ = true;
  return t;
}

}  // namespace nn
