// Sparse-point selection (model/sparse_selection.h): the uniform grid of 1-D descriptors.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "model/sparse_selection.h"

using namespace soapgap;

namespace {

RowMatrix column(const std::vector<double>& v) {
  RowMatrix q(v.size(), 1);
  for (size_t i = 0; i < v.size(); ++i) q(i, 0) = v[i];
  return q;
}

TEST(SparseSelection, UniformTakesTheValuesNearestToAnEvenGrid) {
  // values 0, 0.1, ..., 4.0 in scrambled order, plus duplicates of 2.0
  std::vector<double> v;
  for (int i = 40; i >= 0; --i) v.push_back(0.1 * ((i * 17) % 41));
  v.push_back(2.0);
  v.push_back(2.0);
  const RowMatrix q = column(v);
  // grid of 4 over [0, 4]: 0.5, 1.5, 2.5, 3.5
  const std::vector<int> chosen = select_sparse(q, 4, "uniform", 1);
  ASSERT_EQ(chosen.size(), 4u);
  std::vector<double> got;
  for (int r : chosen) got.push_back(q(r, 0));
  std::sort(got.begin(), got.end());
  const double want[] = {0.5, 1.5, 2.5, 3.5};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(got[k], want[k], 1e-12);
  // the seed plays no part
  EXPECT_EQ(select_sparse(q, 4, "uniform", 99), chosen);
}

TEST(SparseSelection, UniformNeverRepeatsAValueAndStopsAtTheDistinctOnes) {
  const RowMatrix q = column({1.0, 1.0, 1.0, 1.0, 1.01, 5.0});
  const std::vector<int> chosen = select_sparse(q, 5, "uniform", 1);
  ASSERT_EQ(chosen.size(), 3u);  // three distinct values
  std::vector<double> got;
  for (int r : chosen) got.push_back(q(r, 0));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<double>{1.0, 1.01, 5.0}));
  // a clustered set: each grid point takes the nearest value not yet taken
  const RowMatrix c = column({0.0, 0.01, 0.02, 0.03, 10.0});
  EXPECT_EQ(select_sparse(c, 3, "uniform", 1).size(), 3u);
}

TEST(SparseSelection, UniformNeedsOneDimension) {
  RowMatrix q = RowMatrix::Random(10, 3);
  try {
    select_sparse(q, 4, "uniform", 1);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("one-dimensional"), std::string::npos) << e.what();
  }
}

}  // namespace
