#include "structure/structure_kernel.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/blas_threads.h"
#include "core/error.h"
#include "core/progress.h"
#include "structure/assignment.h"

namespace soapgap {

StructureKernelKind parse_structure_kernel_kind(const std::string& name) {
  if (name == "average") return StructureKernelKind::Average;
  if (name == "match") return StructureKernelKind::Match;
  if (name == "rematch") return StructureKernelKind::REMatch;
  throw InputError("structure kernel \"" + name + "\": expected average, match or rematch");
}

Eigen::MatrixXd local_kernel_matrix(const StructureEnvironments& a, const StructureEnvironments& b) {
  if (a.q.rows() != a.size() || b.q.rows() != b.size())
    throw InputError("structure kernel: descriptor rows and species do not match");
  if (a.q.cols() != b.q.cols()) throw InputError("structure kernel: the two structures have different descriptors");
  Eigen::MatrixXd C = a.q * b.q.transpose();
  for (int i = 0; i < a.size(); ++i)
    for (int j = 0; j < b.size(); ++j)
      if (a.species[i] != b.species[j]) C(i, j) = 0.0;
  return C;
}

namespace {

void check_local(const Eigen::MatrixXd& C) {
  if (C.rows() == 0 || C.cols() == 0) throw InputError("structure kernel: a structure without atoms");
  if (!C.allFinite()) throw InputError("structure kernel: NaN or Inf in the local kernel");
}

}  // namespace

double average_structure_kernel(const Eigen::MatrixXd& C) {
  check_local(C);
  return C.mean();
}

Eigen::MatrixXd match_transport_plan(const Eigen::MatrixXd& C, int max_copies) {
  check_local(C);
  const long long n = C.rows(), m = C.cols();
  const long long L = std::lcm(n, m);
  if (L > max_copies)
    throw InputError("match kernel: structures of " + std::to_string(n) + " and " + std::to_string(m) +
                     " atoms need an assignment of lcm = " + std::to_string(L) + " copies (limit " +
                     std::to_string(max_copies) + "); use rematch with a small gamma instead");
  const long long rn = L / n, rm = L / m;
  Eigen::MatrixXd W(L, L);
  for (long long i = 0; i < L; ++i)
    for (long long j = 0; j < L; ++j) W(i, j) = C(i / rn, j / rm);
  const std::vector<int> col = max_weight_assignment(W);
  // Fold the copies back: each matched pair of copies carries 1/L.
  Eigen::MatrixXd P = Eigen::MatrixXd::Zero(n, m);
  for (long long i = 0; i < L; ++i) P(i / rn, col[i] / rm) += 1.0 / static_cast<double>(L);
  return P;
}

double match_structure_kernel(const Eigen::MatrixXd& C, int max_copies) {
  return match_transport_plan(C, max_copies).cwiseProduct(C).sum();
}

// rematch_transport_plan() and rematch_structure_kernel(): rematch.cpp.

Eigen::MatrixXd structure_transport_plan(const Eigen::MatrixXd& C, const StructureKernelOptions& options) {
  switch (options.kind) {
    case StructureKernelKind::Average:
      check_local(C);
      return Eigen::MatrixXd::Constant(C.rows(), C.cols(), 1.0 / static_cast<double>(C.rows() * C.cols()));
    case StructureKernelKind::Match:
      return match_transport_plan(C, options.max_match_copies);
    case StructureKernelKind::REMatch:
      return rematch_transport_plan(C, options.gamma, options.tolerance, options.max_iterations);
  }
  return {};
}

Eigen::VectorXd structure_kernel_atom_shares(const StructureEnvironments& x, const StructureEnvironments& s,
                                             const StructureKernelOptions& options, double self_x, double self_s) {
  if (options.zeta < 1) throw InputError("structure kernel: zeta must be a positive integer");
  if (!(self_x > 0) || !(self_s > 0)) throw InputError("structure kernel: the self-kernels must be positive");
  const Eigen::MatrixXd C = local_kernel_matrix(x, s);
  const Eigen::MatrixXd P = structure_transport_plan(C, options);
  const Eigen::VectorXd shares = P.cwiseProduct(C).rowwise().sum() / std::sqrt(self_x * self_s);
  // k^zeta = k^(zeta-1) * sum_i share_i: each atom keeps its proportion of k.
  return std::pow(shares.sum(), options.zeta - 1) * shares;
}

namespace {

// The unnormalised structure kernel of a local kernel matrix.
double kernel_from_local(const Eigen::MatrixXd& C, const StructureKernelOptions& options) {
  switch (options.kind) {
    case StructureKernelKind::Average:
      return average_structure_kernel(C);
    case StructureKernelKind::Match:
      return match_structure_kernel(C, options.max_match_copies);
    case StructureKernelKind::REMatch:
      return rematch_structure_kernel(C, options.gamma, options.tolerance, options.max_iterations);
  }
  return 0.0;
}

// The environments of a list of structures stacked into one matrix (rows offset[k] ..
// offset[k + 1] - 1 are structure k), so that the local kernels of many pairs come from one GEMM.
struct StackedEnvironments {
  RowMatrix q;
  std::vector<int> species;
  std::vector<Eigen::Index> offset;
};

StackedEnvironments stack(const std::vector<StructureEnvironments>& S, Eigen::Index dim) {
  StackedEnvironments out;
  out.offset.assign(S.size() + 1, 0);
  for (size_t k = 0; k < S.size(); ++k) {
    if (S[k].q.rows() != S[k].size()) throw InputError("structure kernel: descriptor rows and species do not match");
    if (S[k].q.cols() != dim) throw InputError("structure kernel: the structures have different descriptors");
    out.offset[k + 1] = out.offset[k] + S[k].size();
  }
  out.q.resize(out.offset.back(), dim);
  out.species.resize(out.offset.back());
  for (size_t k = 0; k < S.size(); ++k) {
    out.q.middleRows(out.offset[k], S[k].size()) = S[k].q;
    std::copy(S[k].species.begin(), S[k].species.end(), out.species.begin() + out.offset[k]);
  }
  return out;
}

// Consecutive structures in blocks of at most max_atoms atoms (at least one structure each):
// the first structure of each block, then the end.
std::vector<Eigen::Index> blocks_of(const StackedEnvironments& s, Eigen::Index max_atoms) {
  std::vector<Eigen::Index> start = {0};
  const Eigen::Index n = static_cast<Eigen::Index>(s.offset.size()) - 1;
  for (Eigen::Index k = 1; k < n; ++k)
    if (s.offset[k + 1] - s.offset[start.back()] > max_atoms) start.push_back(k);
  start.push_back(n);
  return start;
}

}  // namespace

double structure_kernel(const StructureEnvironments& a, const StructureEnvironments& b,
                        const StructureKernelOptions& options) {
  return kernel_from_local(local_kernel_matrix(a, b), options);
}

Eigen::MatrixXd structure_kernel_matrix(const std::vector<StructureEnvironments>& A,
                                        const std::vector<StructureEnvironments>* B,
                                        const StructureKernelOptions& options, std::ostream* log) {
  if (options.zeta < 1) throw InputError("structure kernel: zeta must be a positive integer");
  const bool symmetric = B == nullptr;
  const std::vector<StructureEnvironments>& Bs = symmetric ? A : *B;
  const Eigen::Index na = static_cast<Eigen::Index>(A.size()), nb = static_cast<Eigen::Index>(Bs.size());
  Eigen::VectorXd self_a(na), self_b(nb);
  std::string error;
  SingleThreadedBlas blas_guard;
  {
#pragma omp parallel for schedule(dynamic)
    for (Eigen::Index i = 0; i < na + (symmetric ? 0 : nb); ++i) {
      try {
        const StructureEnvironments& s = i < na ? A[i] : Bs[i - na];
        const double k = structure_kernel(s, s, options);
        if (!(k > 0))
          throw InputError("structure " + std::to_string(i < na ? i : i - na) + " of set " + (i < na ? "A" : "B") +
                           " has a zero self-kernel (no atoms or zero vectors)");
        (i < na ? self_a[i] : self_b[i - na]) = k;
      } catch (const std::exception& e) {
#pragma omp critical
        if (error.empty()) error = e.what();
      }
    }
  }
  if (!error.empty()) throw InputError(error);
  if (symmetric) self_b = self_a;
  Eigen::MatrixXd K(na, nb);
  if (na == 0 || nb == 0) return K;
  // Tiles of (row structures x column structures): one GEMM gives the local kernels of all their
  // pairs (elements that differ are zeroed), then each pair's kernel. Only the upper triangle
  // when symmetric. At most 256 x 2048 atoms per tile, so memory stays small.
  const Eigen::Index dim = A.front().q.cols();
  const StackedEnvironments SA = stack(A, dim);
  const StackedEnvironments SB_own = symmetric ? StackedEnvironments() : stack(Bs, dim);
  const StackedEnvironments& SB = symmetric ? SA : SB_own;
  const std::vector<Eigen::Index> rows = blocks_of(SA, 256), cols = blocks_of(SB, 2048);
  std::vector<std::pair<size_t, size_t>> tiles;
  for (size_t r = 0; r + 1 < rows.size(); ++r)
    for (size_t c = 0; c + 1 < cols.size(); ++c)
      if (!symmetric || cols[c + 1] - 1 > rows[r]) tiles.emplace_back(r, c);
  const long long total = symmetric ? static_cast<long long>(na) * (na - 1) / 2 : static_cast<long long>(na) * nb;
  Progress progress(log, "structure kernel", total, "pairs");
  if (symmetric) K.diagonal().setOnes();
#pragma omp parallel for schedule(dynamic)
  for (size_t t = 0; t < tiles.size(); ++t) {
    const Eigen::Index i0 = rows[tiles[t].first], i1 = rows[tiles[t].first + 1];
    const Eigen::Index j0 = cols[tiles[t].second], j1 = cols[tiles[t].second + 1];
    const Eigen::Index a0 = SA.offset[i0], b0 = SB.offset[j0];
    const Eigen::MatrixXd G =
        SA.q.middleRows(a0, SA.offset[i1] - a0) * SB.q.middleRows(b0, SB.offset[j1] - b0).transpose();
    long long done = 0;
    for (Eigen::Index i = i0; i < i1; ++i)
      for (Eigen::Index j = symmetric ? std::max(j0, i + 1) : j0; j < j1; ++j) {
        try {
          const Eigen::Index ra = SA.offset[i] - a0, rb = SB.offset[j] - b0, n = A[i].size(), m = Bs[j].size();
          Eigen::MatrixXd C = G.block(ra, rb, n, m);
          for (Eigen::Index x = 0; x < n; ++x)
            for (Eigen::Index y = 0; y < m; ++y)
              if (SA.species[SA.offset[i] + x] != SB.species[SB.offset[j] + y]) C(x, y) = 0.0;
          const double k = kernel_from_local(C, options) / std::sqrt(self_a[i] * self_b[j]);
          K(i, j) = std::pow(k, options.zeta);
          if (symmetric) K(j, i) = K(i, j);
        } catch (const std::exception& e) {
#pragma omp critical
          if (error.empty()) error = e.what();
        }
        ++done;
      }
    progress.tick(done);
  }
  if (!error.empty()) throw InputError(error);
  progress.finish();
  return K;
}

}  // namespace soapgap
