// Decoders (Python Phantom's tests/decoders) plus layouts, chaining forms and reset propagation.
// Messages sent by decoders inside an env are tested in strategic_agent_test.cpp; here the mock
// decoders record what they decode instead of sending.
#include "phantom/decoder.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "phantom/error.hpp"

namespace {

using phantom::box;
using phantom::Context;
using phantom::DecoderPtr;

constexpr float kInf = std::numeric_limits<float>::infinity();

using Log = std::vector<std::pair<std::string, std::vector<float>>>;

// Records ("FROM <id>", action) into a shared log (Python's MockDecoder returned
// [("RECIPIENT", "FROM <id>")]); reset() clears the id, as Python's sets it to None.
class MockDecoder : public phantom::Decoder {
 public:
  MockDecoder(int id, Log* log, int64_t size = 1)
      : id(id), log_(log), space_(box(-kInf, kInf, {size})) {}
  const phantom::SpacePtr& action_space() const override { return space_; }
  void decode(Context&, const float* action) override {
    log_->emplace_back("FROM " + std::to_string(id),
                       std::vector<float>(action, action + space_->flat_size()));
  }
  void reset(nn::Rng&) override { id = -1; }
  int id;

 private:
  Log* log_;
  phantom::SpacePtr space_;
};

void decode(phantom::Decoder& d, const std::vector<float>& action) {
  Context ctx;
  ASSERT_EQ(static_cast<int64_t>(action.size()), d.action_space()->flat_size());
  d.decode(ctx, action.data());
}

TEST(Decoder, Empty) {
  phantom::EmptyDecoder d;
  EXPECT_EQ(*d.action_space(), *box(-kInf, kInf, {0}));
  EXPECT_EQ(d.action_space()->flat_size(), 0);
  EXPECT_EQ(d.to_string(), d.action_space()->to_string());
  Context ctx;
  d.decode(ctx, nullptr);  // reads nothing, sends nothing
}

TEST(Decoder, Chained) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log);
  auto d2 = std::make_shared<MockDecoder>(2, &log);
  phantom::ChainedDecoder chained({d1, d2});
  EXPECT_EQ(*chained.action_space(),
            *phantom::tuple_space({box(-kInf, kInf, {1}), box(-kInf, kInf, {1})}));
  decode(chained, {1, 2});
  EXPECT_EQ(log, (Log{{"FROM 1", {1}}, {"FROM 2", {2}}}));

  log.clear();
  auto via_chain = phantom::chain(d1, d2);
  decode(*via_chain, {1, 2});
  EXPECT_EQ(log, (Log{{"FROM 1", {1}}, {"FROM 2", {2}}}));
}

TEST(Decoder, ChainedLayoutFollowsTheTupleSpace) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log, 2);
  auto d2 = std::make_shared<phantom::EmptyDecoder>();
  auto d3 = std::make_shared<MockDecoder>(3, &log, 3);
  phantom::ChainedDecoder chained({d1, d2, d3});
  EXPECT_EQ(chained.action_space()->flat_size(), 5);
  decode(chained, {1, 2, 3, 4, 5});
  EXPECT_EQ(log, (Log{{"FROM 1", {1, 2}}, {"FROM 3", {3, 4, 5}}}));
}

TEST(Decoder, ChainedReset) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log);
  auto d2 = std::make_shared<MockDecoder>(2, &log);
  phantom::ChainedDecoder chained({d1, d2});
  nn::Rng rng(0);
  chained.reset(rng);
  EXPECT_EQ(d1->id, -1);
  EXPECT_EQ(d2->id, -1);
}

TEST(Decoder, ChainAcceptsOneOrMany) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log);
  auto d2 = std::make_shared<MockDecoder>(2, &log);
  auto d3 = std::make_shared<MockDecoder>(3, &log);
  auto many = phantom::chain(d1, {d2, d3});
  EXPECT_EQ(many->decoders().size(), 3u);
  auto extended = phantom::chain(phantom::chain(d1, d2), d3);  // extends, does not nest
  EXPECT_EQ(extended->decoders().size(), 3u);
  decode(*extended, {1, 2, 3});
  EXPECT_EQ(log, (Log{{"FROM 1", {1}}, {"FROM 2", {2}}, {"FROM 3", {3}}}));
  EXPECT_THROW(phantom::ChainedDecoder({d1, nullptr}), phantom::ConfigError);
}

TEST(Decoder, ChainRejectsNull) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log);
  try {
    phantom::chain(DecoderPtr(), d1);
    FAIL() << "null first decoder accepted";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("the first decoder is null"), std::string::npos)
        << e.what();
  }
  try {
    phantom::chain(d1, DecoderPtr());
    FAIL() << "null later decoder accepted";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("decoder 1 is null"), std::string::npos) << e.what();
  }
}

TEST(Decoder, Dict) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log);
  auto d2 = std::make_shared<MockDecoder>(2, &log);
  phantom::DictDecoder dict({{"d1", d1}, {"d2", d2}});
  EXPECT_EQ(*dict.action_space(),
            *phantom::dict_space({{"d1", box(-kInf, kInf, {1})}, {"d2", box(-kInf, kInf, {1})}}));
  // Each part gets the slice of its key (Python's mock decoders asserted action == id).
  decode(dict, {1, 2});
  EXPECT_EQ(log, (Log{{"FROM 1", {1}}, {"FROM 2", {2}}}));
}

TEST(Decoder, DictRoutesByKeyInInsertionOrder) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log, 2);
  auto d2 = std::make_shared<MockDecoder>(2, &log, 1);
  phantom::DictDecoder dict({{"z", d2}, {"a", d1}});
  const phantom::DictSpace& space = dict.action_space()->as_dict();
  EXPECT_EQ(space.offset_of("z"), 0);
  EXPECT_EQ(space.offset_of("a"), 1);
  decode(dict, {9, 7, 8});
  EXPECT_EQ(log, (Log{{"FROM 2", {9}}, {"FROM 1", {7, 8}}}));
}

TEST(Decoder, DictReset) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log);
  auto d2 = std::make_shared<MockDecoder>(2, &log);
  phantom::DictDecoder dict({{"d1", d1}, {"d2", d2}});
  nn::Rng rng(0);
  dict.reset(rng);
  EXPECT_EQ(d1->id, -1);
  EXPECT_EQ(d2->id, -1);
}

TEST(Decoder, DictRejectsNullAndDuplicateKeys) {
  Log log;
  auto d1 = std::make_shared<MockDecoder>(1, &log);
  EXPECT_THROW(phantom::DictDecoder({{"a", d1}, {"b", nullptr}}), phantom::ConfigError);
  EXPECT_THROW(phantom::DictDecoder({{"a", d1}, {"a", d1}}), phantom::ConfigError);
}

}  // namespace
