// RangeGrid: axes, naming, sizes and point order.
#include "analysis/range_grid.hpp"

#include <gtest/gtest.h>

#include "nn/error.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::RangeGrid;

TEST(RangeGrid, NoAxesIsOnePointWithoutParams) {
  RangeGrid grid;
  EXPECT_EQ(grid.size(), 1u);
  EXPECT_TRUE(grid.params(0).empty());
  EXPECT_TRUE(RangeGrid(std::vector<std::shared_ptr<const phantom::Range>>{}).axes().empty());
}

TEST(RangeGrid, FirstAxisVariesSlowest) {
  RangeGrid grid({phantom::linspace_range(0, 9, 10, "a"), phantom::uniform_range(0, 5, 1, "b")});
  ASSERT_EQ(grid.size(), 50u);
  for (std::size_t p = 0; p < 50; ++p) {
    auto params = grid.params(p);
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[0].name, "a");
    EXPECT_EQ(params[1].name, "b");
    EXPECT_EQ(params[0].value, static_cast<float>(p / 5));
    EXPECT_EQ(params[1].value, static_cast<float>(p % 5));
    EXPECT_EQ(grid.value_index(p, 0), p / 5);
  }
}

TEST(RangeGrid, RepeatedRangesAreOneAxisAndUnnamedOnesAreNumbered) {
  auto x = phantom::linspace_range(0, 1, 2);
  auto y = phantom::uniform_range(0, 3, 1);
  auto named = phantom::linspace_range(5, 6, 2, "z");
  RangeGrid grid({x, named, y, x});
  ASSERT_EQ(grid.axes().size(), 3u);
  EXPECT_EQ(grid.axes()[0].name, "range-0");
  EXPECT_EQ(grid.axes()[1].name, "z");
  EXPECT_EQ(grid.axes()[2].name, "range-1");
  EXPECT_EQ(grid.size(), 2u * 2u * 3u);
  EXPECT_EQ(grid.axis_of(x.get()), 0);
  EXPECT_EQ(grid.axis_of(y.get()), 2);
  EXPECT_EQ(grid.axis_of(phantom::linspace_range(0, 1, 2).get()), -1) << "identity, not value";
}

TEST(RangeGrid, EmptyRangesAndOutOfRangePointsAreErrors) {
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [] { RangeGrid({phantom::uniform_range(3, 1, 1, "down")}); }),
             "axis 'down') has no values");
  RangeGrid grid({phantom::linspace_range(0, 1, 3)});
  EXPECT_HAS(test_support::message_of<phantom::ValueError>([&] { grid.params(3); }),
             "point 3 of a grid of 3 points");
}

}  // namespace
