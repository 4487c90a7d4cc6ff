#include "model/qr_fold.h"

#include <algorithm>
#include <string>

#include "core/error.h"

#ifdef SOAPGAP_HAVE_TPQRT
extern "C" {
void dtpqrt_(const int* m, const int* n, const int* l, const int* nb, double* a, const int* lda, double* b,
             const int* ldb, double* t, const int* ldt, double* work, int* info);
void dtpmqrt_(const char* side, const char* trans, const int* m, const int* n, const int* k, const int* l,
              const int* nb, const double* v, const int* ldv, const double* t, const int* ldt, double* a,
              const int* lda, double* b, const int* ldb, double* work, int* info);
}
#endif

namespace soapgap {

const char* fold_rows_method() {
#ifdef SOAPGAP_HAVE_TPQRT
  return "LAPACK dtpqrt";
#else
  return "Eigen Householder QR";
#endif
}

double fold_rows_workspace(long long rows, long long m) {
#ifdef SOAPGAP_HAVE_TPQRT
  (void)rows;
  return 2.0 * 64 * m;  // T and work
#else
  return static_cast<double>(m + rows) * m + m + rows;
#endif
}

void fold_rows(Eigen::MatrixXd& R, Eigen::VectorXd& z, Eigen::MatrixXd& B, Eigen::VectorXd& b, bool b_triangular) {
  const Eigen::Index m = R.rows(), rows = B.rows();
  if (R.cols() != m || B.cols() != m || z.size() != m || b.size() != rows || (b_triangular && rows != m))
    throw std::logic_error("fold_rows: inconsistent sizes");
  if (rows == 0 || m == 0) return;
#ifdef SOAPGAP_HAVE_TPQRT
  const int M = static_cast<int>(rows), N = static_cast<int>(m), L = b_triangular ? N : 0, one = 1;
  const int nb = std::min(64, N);
  Eigen::MatrixXd T(nb, N), work(nb, std::max(N, 1));
  int info = 0;
  dtpqrt_(&M, &N, &L, &nb, R.data(), &N, B.data(), &M, T.data(), &nb, work.data(), &info);
  if (info != 0) throw std::runtime_error("fold_rows: dtpqrt failed, info " + std::to_string(info));
  dtpmqrt_("L", "T", &M, &one, &N, &L, &nb, B.data(), &M, T.data(), &nb, z.data(), &N, b.data(), &M, work.data(),
           &info);
  if (info != 0) throw std::runtime_error("fold_rows: dtpmqrt failed, info " + std::to_string(info));
  R.triangularView<Eigen::StrictlyLower>().setZero();
#else
  Eigen::MatrixXd stack(m + rows, m);
  Eigen::VectorXd rhs(m + rows);
  stack.topRows(m) = R.triangularView<Eigen::Upper>();
  stack.bottomRows(rows) = B;
  rhs << z, b;
  B.resize(0, 0);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(stack);
  R = qr.matrixQR().topRows(m).triangularView<Eigen::Upper>();
  rhs.applyOnTheLeft(qr.householderQ().adjoint());
  z = rhs.head(m);
#endif
}

}  // namespace soapgap
