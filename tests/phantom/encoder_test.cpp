// Encoders (Python Phantom's tests/encoders) plus layouts, chaining forms and reset propagation.
#include "phantom/encoder.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <vector>

#include "phantom/error.hpp"

namespace {

using phantom::box;
using phantom::Context;
using phantom::EncoderPtr;

constexpr float kInf = std::numeric_limits<float>::infinity();

// Writes its id (Python's MockEncoder); reset() clears it, as Python's sets it to None.
class MockEncoder : public phantom::Encoder {
 public:
  explicit MockEncoder(float id, int64_t size = 1) : id(id), space_(box(-kInf, kInf, {size})) {}
  const phantom::SpacePtr& observation_space() const override { return space_; }
  bool encode(Context&, float* out) override {
    for (int64_t i = 0; i < space_->flat_size(); ++i) out[i] = id + static_cast<float>(i);
    return observe;
  }
  void reset(nn::Rng&) override {
    id = 0.0f;
    ++resets;
  }
  float id;
  bool observe = true;
  int resets = 0;

 private:
  phantom::SpacePtr space_;
};

std::vector<float> encode(phantom::Encoder& e, bool* observed = nullptr) {
  Context ctx;
  std::vector<float> out(static_cast<std::size_t>(e.observation_space()->flat_size()), -1.0f);
  bool ok = e.encode(ctx, out.data());
  if (observed) *observed = ok;
  return out;
}

TEST(Encoder, Empty) {
  phantom::EmptyEncoder e;
  EXPECT_EQ(*e.observation_space(), *box(-kInf, kInf, {1}));
  bool observed = false;
  EXPECT_EQ(encode(e, &observed), std::vector<float>{0.0f});
  EXPECT_TRUE(observed);
  EXPECT_EQ(e.to_string(), "Box(-inf, inf, (1,))");
}

TEST(Encoder, Constant) {
  phantom::ConstantEncoder e({2, 3}, 1.5f);
  EXPECT_EQ(*e.observation_space(), *box(-kInf, kInf, {2, 3}));
  EXPECT_EQ(e.value(), 1.5f);
  std::vector<float> v = encode(e);
  EXPECT_EQ(v, std::vector<float>(6, 1.5f));
  EXPECT_TRUE(e.observation_space()->contains(v));
  phantom::ConstantEncoder zero({1});
  EXPECT_EQ(encode(zero), std::vector<float>{0.0f});
}

TEST(Encoder, Chained) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  auto e2 = std::make_shared<MockEncoder>(2.0f);
  phantom::ChainedEncoder chained({e1, e2});
  EXPECT_EQ(*chained.observation_space(),
            *phantom::tuple_space({box(-kInf, kInf, {1}), box(-kInf, kInf, {1})}));
  bool observed = false;
  EXPECT_EQ(encode(chained, &observed), (std::vector<float>{1.0f, 2.0f}));
  EXPECT_TRUE(observed);
  EXPECT_EQ(chained.to_string(), chained.observation_space()->to_string());
}

TEST(Encoder, ChainedLayoutFollowsTheTupleSpace) {
  auto e1 = std::make_shared<MockEncoder>(10.0f, 3);
  auto e2 = std::make_shared<phantom::ConstantEncoder>(std::vector<int64_t>{2}, 7.0f);
  auto e3 = std::make_shared<MockEncoder>(20.0f, 1);
  phantom::ChainedEncoder chained({e1, e2, e3});
  const phantom::TupleSpace& t = chained.observation_space()->as_tuple();
  EXPECT_EQ(t.flat_size(), 6);
  std::vector<float> v = encode(chained);
  EXPECT_EQ(v, (std::vector<float>{10, 11, 12, 7, 7, 20}));
  EXPECT_EQ(v[static_cast<std::size_t>(t.offset_of(2))], 20.0f);
}

TEST(Encoder, ChainedReset) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  auto e2 = std::make_shared<MockEncoder>(2.0f);
  phantom::ChainedEncoder chained({e1, e2});
  nn::Rng rng(0);
  chained.reset(rng);
  EXPECT_EQ(e1->id, 0.0f);
  EXPECT_EQ(e2->id, 0.0f);
  EXPECT_EQ(e1->resets, 1);
  EXPECT_EQ(e2->resets, 1);
}

TEST(Encoder, ChainedPartWithoutObservationIsZeroed) {
  auto e1 = std::make_shared<MockEncoder>(1.0f, 2);
  auto e2 = std::make_shared<MockEncoder>(5.0f, 2);
  e1->observe = false;
  phantom::ChainedEncoder chained({e1, e2});
  bool observed = false;
  EXPECT_EQ(encode(chained, &observed), (std::vector<float>{0, 0, 5, 6}));
  EXPECT_TRUE(observed);  // a chained observation is always made
  e2->observe = false;
  EXPECT_EQ(encode(chained, &observed), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_TRUE(observed);
}

TEST(Encoder, ChainAcceptsOneOrMany) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  auto e2 = std::make_shared<MockEncoder>(2.0f);
  auto e3 = std::make_shared<MockEncoder>(3.0f);
  auto one = phantom::chain(e1, e2);
  EXPECT_EQ(one->encoders().size(), 2u);
  EXPECT_EQ(encode(*one), (std::vector<float>{1, 2}));
  auto many = phantom::chain(e1, {e2, e3});
  EXPECT_EQ(encode(*many), (std::vector<float>{1, 2, 3}));
  // Chaining onto a chain extends it, with one encoder or several (Python's ChainedEncoder.chain
  // needed a list).
  auto extended = phantom::chain(one, e3);
  EXPECT_EQ(extended->encoders().size(), 3u);
  EXPECT_EQ(encode(*extended), (std::vector<float>{1, 2, 3}));
  auto extended2 = phantom::chain(one, {e3, e1});
  EXPECT_EQ(encode(*extended2), (std::vector<float>{1, 2, 3, 1}));
  EXPECT_EQ(one->encoders().size(), 2u);  // the original chain is unchanged
  // A chain given as a later part stays nested: its space is a Tuple inside the Tuple.
  auto nested = phantom::chain(e3, EncoderPtr(one));
  EXPECT_EQ(nested->encoders().size(), 2u);
  EXPECT_EQ(nested->observation_space()->as_tuple().child(1).kind(), phantom::Kind::tuple);
  EXPECT_EQ(encode(*nested), (std::vector<float>{3, 1, 2}));
}

TEST(Encoder, ChainedRejectsNull) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  EXPECT_THROW(phantom::ChainedEncoder({e1, nullptr}), phantom::ConfigError);
  EXPECT_THROW(phantom::chain(EncoderPtr(), e1), phantom::ConfigError);
}

TEST(Encoder, Dict) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  auto e2 = std::make_shared<MockEncoder>(2.0f, 2);
  phantom::DictEncoder dict({{"e1", e1}, {"e2", e2}});
  EXPECT_EQ(*dict.observation_space(),
            *phantom::dict_space({{"e1", box(-kInf, kInf, {1})}, {"e2", box(-kInf, kInf, {2})}}));
  bool observed = false;
  EXPECT_EQ(encode(dict, &observed), (std::vector<float>{1, 2, 3}));
  EXPECT_TRUE(observed);
}

TEST(Encoder, DictKeepsInsertionOrder) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  auto e2 = std::make_shared<MockEncoder>(2.0f);
  phantom::DictEncoder dict({{"z", e1}, {"a", e2}});
  EXPECT_EQ(dict.observation_space()->as_dict().keys(), (std::vector<std::string>{"z", "a"}));
  std::vector<float> v = encode(dict);
  EXPECT_EQ(v, (std::vector<float>{1, 2}));
  EXPECT_EQ(dict.observation_space()->value_to_string(v.data()), "{z: [1], a: [2]}");
}

TEST(Encoder, DictReset) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  auto e2 = std::make_shared<MockEncoder>(2.0f);
  phantom::DictEncoder dict({{"e1", e1}, {"e2", e2}});
  nn::Rng rng(0);
  dict.reset(rng);
  EXPECT_EQ(e1->id, 0.0f);
  EXPECT_EQ(e2->id, 0.0f);
}

TEST(Encoder, DictPartWithoutObservationIsZeroed) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  auto e2 = std::make_shared<MockEncoder>(2.0f);
  e2->observe = false;
  phantom::DictEncoder dict({{"e1", e1}, {"e2", e2}});
  bool observed = false;
  EXPECT_EQ(encode(dict, &observed), (std::vector<float>{1, 0}));
  EXPECT_TRUE(observed);
}

TEST(Encoder, DictRejectsNullAndDuplicateKeys) {
  auto e1 = std::make_shared<MockEncoder>(1.0f);
  EXPECT_THROW(phantom::DictEncoder({{"a", e1}, {"b", nullptr}}), phantom::ConfigError);
  EXPECT_THROW(phantom::DictEncoder({{"a", e1}, {"a", e1}}), phantom::ConfigError);
}

}  // namespace
