// fold_rows (the fit's streamed QR step) against a direct least-squares solution of the
// stacked rows, for rectangular blocks and for triangular TSQR pairs.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "model/qr_fold.h"

namespace {

Eigen::MatrixXd upper(int m, unsigned seed) {
  std::srand(seed);
  Eigen::MatrixXd U = Eigen::MatrixXd::Random(m, m).triangularView<Eigen::Upper>();
  U.diagonal().array() += 3.0;
  return U;
}

// x minimising |[U; A] x - [0; b]|, and the Gram matrix U^T U + A^T A.
void reference(const Eigen::MatrixXd& U, const Eigen::MatrixXd& A, const Eigen::VectorXd& b, Eigen::VectorXd& x,
               Eigen::MatrixXd& gram) {
  Eigen::MatrixXd stack(U.rows() + A.rows(), U.cols());
  stack << U, A;
  Eigen::VectorXd rhs(stack.rows());
  rhs << Eigen::VectorXd::Zero(U.rows()), b;
  x = stack.colPivHouseholderQr().solve(rhs);
  gram = stack.transpose() * stack;
}

TEST(QrFold, BlocksGiveTheLeastSquaresSolutionOfTheStack) {
  const int m = 12;
  const Eigen::MatrixXd U = upper(m, 3);
  std::srand(4);
  const Eigen::MatrixXd A = Eigen::MatrixXd::Random(50, m);
  const Eigen::VectorXd b = Eigen::VectorXd::Random(50);
  Eigen::VectorXd x_ref;
  Eigen::MatrixXd gram;
  reference(U, A, b, x_ref, gram);

  Eigen::MatrixXd R = U;
  Eigen::VectorXd z = Eigen::VectorXd::Zero(m);
  int r0 = 0;
  for (int rows : {7, 20, 1, 22}) {  // uneven blocks, one smaller than M and one of one row
    Eigen::MatrixXd B = A.middleRows(r0, rows);
    Eigen::VectorXd bb = b.segment(r0, rows);
    soapgap::fold_rows(R, z, B, bb, false);
    r0 += rows;
  }
  ASSERT_EQ(r0, 50);
  EXPECT_EQ(R.triangularView<Eigen::StrictlyLower>().toDenseMatrix().cwiseAbs().maxCoeff(), 0.0);
  EXPECT_LT((R.transpose() * R - gram).cwiseAbs().maxCoeff(), 1e-12 * gram.cwiseAbs().maxCoeff());
  const Eigen::VectorXd x = R.triangularView<Eigen::Upper>().solve(z);
  EXPECT_LT((x - x_ref).cwiseAbs().maxCoeff(), 1e-12 * x_ref.cwiseAbs().maxCoeff()) << soapgap::fold_rows_method();
}

TEST(QrFold, TriangularPairsCombineLikeTheirRows) {
  // Two ranks' factors of rows A1 and A2 (with targets): folding the second triangle into the
  // first gives the factor of all rows.
  const int m = 9;
  std::srand(5);
  const Eigen::MatrixXd A1 = Eigen::MatrixXd::Random(30, m), A2 = Eigen::MatrixXd::Random(25, m);
  const Eigen::VectorXd b1 = Eigen::VectorXd::Random(30), b2 = Eigen::VectorXd::Random(25);
  const Eigen::MatrixXd U = upper(m, 6);
  Eigen::MatrixXd R1 = U, R2 = Eigen::MatrixXd::Zero(m, m);
  Eigen::VectorXd z1 = Eigen::VectorXd::Zero(m), z2 = Eigen::VectorXd::Zero(m);
  Eigen::MatrixXd B = A1;
  Eigen::VectorXd bb = b1;
  soapgap::fold_rows(R1, z1, B, bb, false);
  B = A2;
  bb = b2;
  soapgap::fold_rows(R2, z2, B, bb, false);
  soapgap::fold_rows(R1, z1, R2, z2, true);

  Eigen::MatrixXd A(55, m);
  A << A1, A2;
  Eigen::VectorXd b(55);
  b << b1, b2;
  Eigen::VectorXd x_ref;
  Eigen::MatrixXd gram;
  reference(U, A, b, x_ref, gram);
  EXPECT_LT((R1.transpose() * R1 - gram).cwiseAbs().maxCoeff(), 1e-12 * gram.cwiseAbs().maxCoeff());
  const Eigen::VectorXd x = R1.triangularView<Eigen::Upper>().solve(z1);
  EXPECT_LT((x - x_ref).cwiseAbs().maxCoeff(), 1e-12 * x_ref.cwiseAbs().maxCoeff());
}

TEST(QrFold, RefusesInconsistentSizes) {
  Eigen::MatrixXd R = upper(4, 7), B = Eigen::MatrixXd::Zero(3, 5);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(4), b = Eigen::VectorXd::Zero(3);
  EXPECT_THROW(soapgap::fold_rows(R, z, B, b, false), std::logic_error);
  B = Eigen::MatrixXd::Zero(3, 4);
  EXPECT_THROW(soapgap::fold_rows(R, z, B, b, true), std::logic_error);  // a triangle has M rows
}

}  // namespace
