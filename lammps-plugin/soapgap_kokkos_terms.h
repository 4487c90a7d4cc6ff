// The terms of a soapgap potential on a Kokkos device: model tables in Views and the stages of
// one force evaluation as tagged functors (pair_style soapgap/kk, pair_soapgap_kokkos.h).
//
//   SoapTermKokkos (SOAP descriptor, dot-product kernel), three stages per call:
//     TagSoapDescriptor  per centre: density coefficients c, power spectrum, q = p/|p|
//     TagSoapKernel      per centre, one team: g_s = q.x_s over the sparse points of the centre's
//                        group (team threads over s, vector lanes over the descriptor), local
//                        energy d2 sum_s alpha_s g_s^zeta and dE/dq = d2 zeta sum_s alpha_s g_s^(zeta-1) x_s
//                        (the factored dot-product kernel, kernel_math::dot_product_power);
//                        on the host instead kernel_cpu(): the same as two GEMMs per group
//     TagSoapForces      per centre: dE/dp (normalisation), dE/dc (power-spectrum adjoint), then
//                        dE/dr for every neighbour (reverse mode through the basis), forces, virials
//   PairTermKokkos (distance_2b descriptor, squared-exponential kernel), one stage:
//     TagPairTerm        per centre: sum over its neighbours of f_cut(r) eps(r), forces, virials
//
// The per-atom mathematics is soap_math.h, the kernel and distance_2b formulas kernel_math.h and
// the cutoff cutoff_function.h: the same functions the host library calls (compiled here with
// SOAPGAP_INLINE = KOKKOS_INLINE_FUNCTION). Per-atom work space is Kokkos per-thread
// scratch (level 1); forces and per-atom virials are added with atomics (ghost atoms included:
// LAMMPS sums them onto their owners, newton pair on).
#ifndef LMP_SOAPGAP_KOKKOS_TERMS_H
#define LMP_SOAPGAP_KOKKOS_TERMS_H

#include <type_traits>

#include <Kokkos_Core.hpp>

#ifndef SOAPGAP_INLINE
#define SOAPGAP_INLINE KOKKOS_INLINE_FUNCTION
#endif
#include "descriptors/cutoff_function.h"
#include "descriptors/soap_math.h"
#include "kernels/kernel_math.h"
#include "kokkos_type.h"
#include "lmptype.h"  // NEIGHMASK

namespace LAMMPS_NS {
namespace soapgap_kk {

struct TagInitEnergy {};
struct TagSoapDescriptor {};
struct TagSoapKernel {};
struct TagSoapForces {};
struct TagPairTerm {};

template <class DeviceType>
using View1 = Kokkos::View<double *, DeviceType>;
template <class DeviceType>
using View2 = Kokkos::View<double **, Kokkos::LayoutRight, DeviceType>;
template <class DeviceType>
using IntView1 = Kokkos::View<int *, DeviceType>;
template <class DeviceType>
using IntView2 = Kokkos::View<int **, Kokkos::LayoutRight, DeviceType>;

// What every stage reads from LAMMPS (set by the pair style before each call).
template <class DeviceType>
struct AtomsKK {
  typedef ArrayTypes<DeviceType> AT;
  typename AT::t_x_array_randomread x;
  typename AT::t_f_array f;
  typename AT::t_int_1d_randomread type;
  typename AT::t_int_1d_randomread ilist, numneigh;
  typename AT::t_neighbors_2d neighbors;
  typename AT::t_virial_array vatom;
  View1<DeviceType> ecentre;  // local energy of the centre ii (ilist order), eV
  int inum = 0;
  int vflag_global = 0, vflag_atom = 0;

  // Forces and virials of one neighbour-list entry: centre i, neighbour j, r = x_j - x_i and
  // g = dE/dr: F_i += g, F_j -= g, virial -= r (x) g (per-atom: half to each atom, as the host).
  KOKKOS_INLINE_FUNCTION void add_entry(int i, int j, const double *r, const double *g, EV_FLOAT &ev) const {
    for (int d = 0; d < 3; ++d) {
      Kokkos::atomic_add(&f(i, d), g[d]);
      Kokkos::atomic_add(&f(j, d), -g[d]);
    }
    if (vflag_global) {
      ev.v[0] -= r[0] * g[0];
      ev.v[1] -= r[1] * g[1];
      ev.v[2] -= r[2] * g[2];
      ev.v[3] -= 0.5 * (r[0] * g[1] + r[1] * g[0]);
      ev.v[4] -= 0.5 * (r[0] * g[2] + r[2] * g[0]);
      ev.v[5] -= 0.5 * (r[1] * g[2] + r[2] * g[1]);
    }
    if (vflag_atom) {
      const int va[6] = {0, 1, 2, 0, 0, 1}, vb[6] = {0, 1, 2, 1, 2, 2};  // xx yy zz xy xz yz
      for (int c = 0; c < 6; ++c) {
        const double half = -0.5 * r[va[c]] * g[vb[c]];
        Kokkos::atomic_add(&vatom(i, c), half);
        Kokkos::atomic_add(&vatom(j, c), half);
      }
    }
  }
};

// ecentre(ii) = e0 of the centre's type (0 for NULL types).
template <class DeviceType>
struct InitEnergyKK {
  AtomsKK<DeviceType> atoms;
  View1<DeviceType> e0_of_type;
  KOKKOS_INLINE_FUNCTION void operator()(TagInitEnergy, const int ii) const {
    atoms.ecentre(ii) = e0_of_type(atoms.type(atoms.ilist(ii)));
  }
};

template <class DeviceType>
struct SoapTermKokkos {
  typedef EV_FLOAT value_type;
  typedef typename Kokkos::TeamPolicy<DeviceType>::member_type member_type;
  typedef typename DeviceType::scratch_memory_space scratch_space;
  typedef Kokkos::View<double *, scratch_space, Kokkos::MemoryUnmanaged> ScratchView;
  static constexpr bool on_host = std::is_same<typename DeviceType::memory_space, Kokkos::HostSpace>::value;

  soapgap::soap_math::SoapMath P;  // its table pointers refer to the views below
  View1<DeviceType> centres, W, central, ylm_table;
  View2<DeviceType> X, XT;            // sparse points of all groups, M x D, and transposed (D x M)
  View1<DeviceType> alpha;            // M
  IntView1<DeviceType> group_start;   // group g (centre element) owns sparse points [start(g), start(g+1))
  IntView1<DeviceType> type_channel;  // LAMMPS type -> density channel, -1 for NULL types
  IntView1<DeviceType> type_group;    // LAMMPS type -> kernel group, -1 for NULL types
  double d2 = 1.0;                    // delta^2
  int zeta = 1, dim = 0, n_coef = 0, max_group = 0;
  int threads_per_team = 1;     // centres per team in the per-centre stages
  bool team_kernel = !on_host;  // TagSoapKernel; else kernel_cpu() (host only)

  // Work arrays of one call (rows: centres in ilist order).
  View2<DeviceType> c, q, dq;  // coefficients, normalised descriptor, dE/dq (then dE/dp)
  View1<DeviceType> norm;      // |p|
  AtomsKK<DeviceType> atoms;

  KOKKOS_INLINE_FUNCTION int descriptor_scratch() const { return soapgap::soap_math::neighbour_work_size(P); }
  KOKKOS_INLINE_FUNCTION int forces_scratch() const { return n_coef + soapgap::soap_math::neighbour_work_size(P); }

  KOKKOS_INLINE_FUNCTION int centre(const member_type &team) const {
    return team.league_rank() * team.team_size() + team.team_rank();
  }

  // Neighbour jj of atom i as the SOAP sees it: false if its type is NULL or it is not closer
  // than the cutoff; else its channel chj and the vector r = x_j - x_i.
  KOKKOS_INLINE_FUNCTION bool soap_neighbour(const int i, const int jj, int &chj, double r[3]) const {
    const int j = atoms.neighbors(i, jj) & NEIGHMASK;
    chj = type_channel(atoms.type(j));
    if (chj < 0) return false;
    for (int d = 0; d < 3; ++d) r[d] = atoms.x(j, d) - atoms.x(i, d);
    return std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]) < P.cutoff;
  }

  KOKKOS_INLINE_FUNCTION void operator()(TagSoapDescriptor, const member_type &team) const {
    namespace sm = soapgap::soap_math;
    const int ii = centre(team);
    if (ii >= atoms.inum) return;
    const int i = atoms.ilist(ii);
    const int ch = type_channel(atoms.type(i));
    if (ch < 0) return;
    ScratchView work(team.thread_scratch(1), descriptor_scratch());
    double *ci = &c(ii, 0);
    for (int k = 0; k < n_coef; ++k) ci[k] = 0.0;
    sm::add_central(P, ch, ci);
    const int cs = sm::channel_size(P);
    const int nn = atoms.numneigh(i);
    for (int jj = 0; jj < nn; ++jj) {
      int chj;
      double r[3];
      if (!soap_neighbour(i, jj, chj, r)) continue;
      sm::add_neighbour(P, r, ci + chj * cs, work.data());
    }
    double *qi = &q(ii, 0);
    sm::power_spectrum(P, ci, qi);
    norm(ii) = sm::normalise(dim, qi, qi);
  }

  KOKKOS_INLINE_FUNCTION void operator()(TagSoapKernel, const member_type &team) const {
    const int ii = team.league_rank();
    const int g = type_group(atoms.type(atoms.ilist(ii)));
    if (g < 0) return;
    const int s0 = group_start(g), m = group_start(g + 1) - s0;
    if (m == 0) return;
    ScratchView w(team.team_scratch(1), max_group);
    double eps = 0.0;
    Kokkos::parallel_reduce(
        Kokkos::TeamThreadRange(team, m),
        [&](const int s, double &e) {
          double k = 0.0;
          Kokkos::parallel_reduce(
              Kokkos::ThreadVectorRange(team, dim), [&](const int d, double &t) { t += q(ii, d) * X(s0 + s, d); }, k);
          // kernel d2 p k and its derivative d2 zeta p (d2 applied to the sum below)
          const double p = soapgap::kernel_math::dot_product_power(zeta, k);
          Kokkos::single(Kokkos::PerThread(team), [&]() { w(s) = d2 * zeta * alpha(s0 + s) * p; });
          e += alpha(s0 + s) * p * k;
        },
        eps);
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, dim), [&](const int d) {
      double t = 0.0;
      Kokkos::parallel_reduce(
          Kokkos::ThreadVectorRange(team, m), [&](const int s, double &u) { u += w(s) * XT(d, s0 + s); }, t);
      Kokkos::single(Kokkos::PerThread(team), [&]() { dq(ii, d) = t; });
    });
    Kokkos::single(Kokkos::PerTeam(team), [&]() { atoms.ecentre(ii) += d2 * eps; });
  }

  KOKKOS_INLINE_FUNCTION void operator()(TagSoapForces, const member_type &team, EV_FLOAT &ev) const {
    namespace sm = soapgap::soap_math;
    const int ii = centre(team);
    if (ii >= atoms.inum) return;
    const int i = atoms.ilist(ii);
    const int g = type_group(atoms.type(i));
    if (g < 0 || group_start(g + 1) == group_start(g) || !(norm(ii) > 0.0)) return;
    ScratchView scratch(team.thread_scratch(1), forces_scratch());
    double *dEdc = scratch.data();
    double *work = dEdc + n_coef;
    double *g_q = &dq(ii, 0);
    sm::normalisation_derivative(dim, &q(ii, 0), norm(ii), g_q, g_q);  // now dE/dp
    sm::power_spectrum_adjoint(P, &c(ii, 0), g_q, dEdc);
    const int cs = sm::channel_size(P);
    const int nn = atoms.numneigh(i);
    for (int jj = 0; jj < nn; ++jj) {
      int chj;
      double r[3];
      if (!soap_neighbour(i, jj, chj, r)) continue;
      const int j = atoms.neighbors(i, jj) & NEIGHMASK;
      double g[3];
      sm::neighbour_gradient(P, r, dEdc + chj * cs, g, work);
      atoms.add_entry(i, j, r, g, ev);
    }
  }

  // TagSoapKernel on the host (CPU): per group, K = Q X^T and dE/dq = W X as two GEMMs over all
  // centres of the group (Eigen with the BLAS of the host library), the kernel's powers
  // (kernel_math::dot_product_power) in between.
  // Defined in pair_soapgap_kokkos.cpp.
  void kernel_cpu();

  // The three stages for the atoms in `atoms` (ecentre must hold the energies so far).
  void run(const AtomsKK<DeviceType> &a, EV_FLOAT &ev) {
    atoms = a;
    const int n = a.inum;
    if (n == 0) return;
    if (static_cast<int>(c.extent(0)) < n) {
      c = View2<DeviceType>("soapgap/kk:c", n, n_coef);
      q = View2<DeviceType>("soapgap/kk:q", n, dim);
      dq = View2<DeviceType>("soapgap/kk:dq", n, dim);
      norm = View1<DeviceType>("soapgap/kk:norm", n);
    }
    const int tpt = threads_per_team;
    const int leagues = (n + tpt - 1) / tpt;
    {
      Kokkos::TeamPolicy<DeviceType, TagSoapDescriptor> policy(leagues, tpt, 1);
      policy.set_scratch_size(1, Kokkos::PerThread(ScratchView::shmem_size(descriptor_scratch())));
      Kokkos::parallel_for("soapgap/kk:soap_descriptor", policy, *this);
    }
    if (!team_kernel) {
      Kokkos::fence();
      kernel_cpu();
    } else {
      Kokkos::TeamPolicy<DeviceType, TagSoapKernel> policy(n, on_host ? 1 : 8, on_host ? 1 : 32);
      policy.set_scratch_size(1, Kokkos::PerTeam(ScratchView::shmem_size(max_group > 0 ? max_group : 1)));
      Kokkos::parallel_for("soapgap/kk:soap_kernel", policy, *this);
    }
    {
      Kokkos::TeamPolicy<DeviceType, TagSoapForces> policy(leagues, tpt, 1);
      policy.set_scratch_size(1, Kokkos::PerThread(ScratchView::shmem_size(forces_scratch())));
      EV_FLOAT part;
      Kokkos::parallel_reduce("soapgap/kk:soap_forces", policy, *this, part);
      ev += part;
    }
  }
};

template <class DeviceType>
struct PairTermKokkos {
  typedef EV_FLOAT value_type;
  double cutoff = 0, width = 0, d2 = 1;
  double f = 0.5;                   // 1 / (2 theta^2) (kernel_math::squared_exponential_factor)
  IntView2<DeviceType> type_group;  // (LAMMPS type, LAMMPS type) -> group, -1: not in this term
  View1<DeviceType> x, alpha;       // sparse distances and weights of all groups
  IntView1<DeviceType> group_start;
  AtomsKK<DeviceType> atoms;

  KOKKOS_INLINE_FUNCTION void operator()(TagPairTerm, const int ii, EV_FLOAT &ev) const {
    const int i = atoms.ilist(ii);
    const int ti = atoms.type(i);
    const int nn = atoms.numneigh(i);
    double e_i = 0.0;
    for (int jj = 0; jj < nn; ++jj) {
      const int j = atoms.neighbors(i, jj) & NEIGHMASK;
      const int g = type_group(ti, atoms.type(j));
      if (g < 0) continue;
      const double r[3] = {atoms.x(j, 0) - atoms.x(i, 0), atoms.x(j, 1) - atoms.x(i, 1), atoms.x(j, 2) - atoms.x(i, 2)};
      const double rr = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
      if (!(rr < cutoff)) continue;
      double fc, dfc;
      soapgap::cutoff_function(rr, cutoff, width, &fc, &dfc);
      double eps = 0.0, deps = 0.0;  // sum_s alpha_s k(r, x_s) and its r-derivative
      for (int s = group_start(g); s < group_start(g + 1); ++s) {
        const double u = rr - x(s);
        const double k = alpha(s) * soapgap::kernel_math::squared_exponential_kernel(d2, f, u * u);
        eps += k;
        deps += soapgap::kernel_math::squared_exponential_gradient_factor(f, k) * u;
      }
      e_i += fc * eps;
      // E = w eps(q) with q = |r|, w = f_cut(|r|): dE/dq = f_cut deps, dE/dw = eps
      double grad[3];
      soapgap::kernel_math::distance_2b_gradient(r, rr, fc * deps, eps, dfc, grad);
      atoms.add_entry(i, j, r, grad, ev);
    }
    atoms.ecentre(ii) += e_i;
  }

  void run(const AtomsKK<DeviceType> &a, EV_FLOAT &ev) {
    atoms = a;
    EV_FLOAT part;
    Kokkos::parallel_reduce("soapgap/kk:pair_term", Kokkos::RangePolicy<DeviceType, TagPairTerm>(0, a.inum), *this,
                            part);
    ev += part;
  }
};

}  // namespace soapgap_kk
}  // namespace LAMMPS_NS

#endif
