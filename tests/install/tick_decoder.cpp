// A Decoder built with nothing but phantom/decoder.hpp (see tick_decoder.hpp).
#include "tick_decoder.hpp"

#include <memory>
#include <utility>

namespace install_test {
namespace {

class TickDecoder final : public phantom::Decoder {
 public:
  explicit TickDecoder(std::string to) : to_(std::move(to)) {}
  const phantom::SpacePtr& action_space() const override { return space_; }
  void decode(phantom::Context& ctx, const float* action) override {
    ctx.send(to_, Tick{action[0]});
  }

 private:
  std::string to_;
  phantom::SpacePtr space_ = phantom::box(0, 100, {1});
};

}  // namespace

phantom::DecoderPtr make_tick_decoder(std::string to) {
  return std::make_shared<TickDecoder>(std::move(to));
}

}  // namespace install_test
