// Per-thread scratch memory for op temporaries (see op_support.hpp).
#include <vector>

#include "nn/ops/op_support.hpp"

namespace nn::detail {

float* scratch(int slot, int64_t count) {
  constexpr int kSlots = 4;
  thread_local std::vector<float> buffers[kSlots];
  std::vector<float>& b = buffers[slot];
  if (static_cast<int64_t>(b.size()) < count) b.resize(static_cast<std::size_t>(count));
  return b.data();
}

}  // namespace nn::detail
