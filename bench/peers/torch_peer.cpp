// BM_VsTorch/*: MlpStep against libtorch on the same network, written the way a libtorch user
// would: torch::nn::Linear layers and tanh, autograd for the backward pass, torch::optim::Adam
// with MlpStep's hyper-parameters; inference under torch::NoGradGuard.
//   BM_VsTorch/TrainStep/<batch>      4 -> 64 -> 64 -> 3 train step (forward, loss, backward, Adam)
//   BM_VsTorch/TrainStepWide/<batch>  32 -> 256 -> 256 -> 8 train step
//   BM_VsTorch/Infer1                 batch-1 forward of the 4 -> 64 -> 64 -> 3 net
// (This is the only translation unit that includes libtorch: each takes minutes to compile.)
#include <benchmark/benchmark.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "alternate_timing.hpp"
#include "net_snapshot.hpp"
#include "peer_registry.hpp"

namespace {

class TorchMlp {
 public:
  explicit TorchMlp(const peers::NetSnapshot& s)
      : logits_(s.num_logits()),
        inputs_(torch::from_blob(const_cast<float*>(s.inputs.data()), {s.batch, s.sizes.front()})
                    .clone()),
        single_(inputs_.narrow(0, 0, 1).clone()),
        actions_(torch::tensor(s.actions, torch::kLong).view({-1, 1})),
        returns_(torch::from_blob(const_cast<float*>(s.returns.data()), {s.batch, 1}).clone()) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parameters;
    for (std::size_t i = 0; i + 1 < s.sizes.size(); ++i) {
      torch::nn::Linear layer(s.sizes[i], s.sizes[i + 1]);
      // Ours keeps W as [in, out] (y = x W + b); torch::nn::Linear keeps its transpose.
      layer->weight.copy_(
          torch::from_blob(const_cast<float*>(s.weights[i].data()), {s.sizes[i], s.sizes[i + 1]})
              .t());
      layer->bias.copy_(torch::from_blob(const_cast<float*>(s.biases[i].data()), {s.sizes[i + 1]}));
      parameters.push_back(layer->weight);
      parameters.push_back(layer->bias);
      layers_.push_back(layer);
    }
    const double beta1 = s.adam.beta1, beta2 = s.adam.beta2;
    adam_ = std::make_unique<torch::optim::Adam>(
        parameters,
        torch::optim::AdamOptions(s.adam.lr).betas(std::make_tuple(beta1, beta2)).eps(s.adam.eps));
  }

  // One training step; returns the loss of the forward pass (before the update), as MlpStep.
  float step() {
    torch::Tensor out = forward(inputs_);
    torch::Tensor logits = out.narrow(1, 0, logits_);
    torch::Tensor value = out.narrow(1, logits_, 1);
    torch::Tensor policy_loss = -torch::log_softmax(logits, 1).gather(1, actions_).mean();
    torch::Tensor value_loss = (value - returns_).pow(2).mean();
    torch::Tensor loss = policy_loss + 0.5 * value_loss;
    adam_->zero_grad();
    loss.backward();
    adam_->step();
    return loss.item<float>();
  }

  // The batch-1 forward of the first input row; returns the first output.
  float infer_one() {
    torch::NoGradGuard no_grad;
    return forward(single_).data_ptr<float>()[0];
  }

 private:
  torch::Tensor forward(torch::Tensor x) {
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      x = layers_[i]->forward(x);
      if (i + 1 < layers_.size()) x = torch::tanh(x);
    }
    return x;
  }

  int64_t logits_;
  torch::Tensor inputs_, single_, actions_, returns_;
  std::vector<torch::nn::Linear> layers_;
  std::unique_ptr<torch::optim::Adam> adam_;
};

void train_step(benchmark::State& state, std::vector<int64_t> sizes) {
  workloads::MlpStep ours(sizes, state.range(0), peers::kSeed);
  TorchMlp peer(peers::snapshot(ours));
  peers::compare_alternately(
      state, [&] { benchmark::DoNotOptimize(ours.step()); },
      [&] { benchmark::DoNotOptimize(peer.step()); }, peers::CallUnit::microseconds);
}

void infer_one(benchmark::State& state) {
  workloads::MlpStep ours(peers::train_step_sizes(), 1, peers::kSeed);
  TorchMlp peer(peers::snapshot(ours));
  peers::compare_alternately(
      state, [&] { benchmark::DoNotOptimize(ours.infer_one()); },
      [&] { benchmark::DoNotOptimize(peer.infer_one()); }, peers::CallUnit::nanoseconds);
}

bool startup() {
  torch::set_num_threads(1);
  std::printf("libtorch %s, %d thread\n", TORCH_VERSION, torch::get_num_threads());
  bool ok = true;
  const std::pair<const char*, std::vector<int64_t>> nets[] = {
      {"TrainStep", peers::train_step_sizes()}, {"TrainStepWide", peers::wide_step_sizes()}};
  for (const auto& [name, sizes] : nets) {
    workloads::MlpStep ours(sizes, 64, peers::kSeed);
    TorchMlp peer(peers::snapshot(ours));
    std::vector<float> losses;
    for (int i = 0; i < peers::kCheckSteps; ++i) losses.push_back(peer.step());
    ok = peers::losses_agree("libtorch", name, peers::our_losses(sizes, 64), losses) && ok;
  }
  workloads::MlpStep ours(peers::train_step_sizes(), 1, peers::kSeed);
  TorchMlp peer(peers::snapshot(ours));
  const float a = ours.infer_one(), b = peer.infer_one();
  const bool infer_ok = std::fabs(a - b) <= peers::kLossTolerance * std::fabs(a);
  std::printf("peer check libtorch Infer1               first output %.6f (ours %.6f) %s\n",
              double(b), double(a), infer_ok ? "ok" : "MISMATCH");
  return ok && infer_ok;
}

const bool registered = [] {
  benchmark::RegisterBenchmark("BM_VsTorch/TrainStep", train_step, peers::train_step_sizes())
      ->Arg(64)
      ->Arg(2048)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_VsTorch/TrainStepWide", train_step, peers::wide_step_sizes())
      ->Arg(2048)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_VsTorch/Infer1", infer_one);
  return peers::register_peer("libtorch", startup);
}();

}  // namespace
