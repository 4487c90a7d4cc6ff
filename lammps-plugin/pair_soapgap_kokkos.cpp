#include "pair_soapgap_kokkos.h"  // first: SOAPGAP_INLINE for soap_math.h

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include "atom_kokkos.h"
#include "atom_masks.h"
#include "descriptors/distance_2b.h"
#include "descriptors/soap.h"
#include "error.h"
#include "kernels/dot_product_batch.h"
#include "kernels/kernel.h"
#include "kokkos.h"
#include "memory_kokkos.h"
#include "model/potential.h"
#include "neigh_list_kokkos.h"
#include "neigh_request.h"
#include "neighbor.h"
#include "neighbours/neighbour_list.h"

using namespace LAMMPS_NS;
namespace sm = soapgap::soap_math;

template <class DeviceType>
PairSoapGapKokkos<DeviceType>::PairSoapGapKokkos(LAMMPS *lmp) : PairSoapGap(lmp) {
  if (!lmp->kokkos)
    error->all(FLERR,
               "pair_style soapgap/kk needs the KOKKOS package enabled (lmp -k on [t N] -sf kk, or "
               "pair_style soapgap without /kk)");
  respa_enable = 0;
  kokkosable = 1;
  atomKK = (AtomKokkos *)atom;
  execution_space = ExecutionSpaceFromDevice<DeviceType>::space;
  datamask_read = X_MASK | F_MASK | TYPE_MASK | ENERGY_MASK | VIRIAL_MASK;
  datamask_modify = F_MASK | ENERGY_MASK | VIRIAL_MASK;
}

template <class DeviceType>
PairSoapGapKokkos<DeviceType>::~PairSoapGapKokkos() {
  if (copymode) return;
  memoryKK->destroy_kokkos(k_eatom, eatom);
  memoryKK->destroy_kokkos(k_vatom, vatom);
  eatom = nullptr;
  vatom = nullptr;
}

template <class DeviceType>
void PairSoapGapKokkos<DeviceType>::init_style() {
  PairSoapGap::init_style();  // checks and a full neighbour list request
  const int irequest = neighbor->nrequest - 1;
  neighbor->requests[irequest]->kokkos_host =
      std::is_same<DeviceType, LMPHostType>::value && !std::is_same<DeviceType, LMPDeviceType>::value;
  neighbor->requests[irequest]->kokkos_device = std::is_same<DeviceType, LMPDeviceType>::value;
  // Whatever `package kokkos neigh` says: the descriptors need every neighbour of each atom.
  neighbor->requests[irequest]->full = 1;
  neighbor->requests[irequest]->half = 0;
}

template <class DeviceType>
void PairSoapGapKokkos<DeviceType>::coeff(int narg, char **arg) {
  PairSoapGap::coeff(narg, arg);
  setup_terms();
}

namespace {

template <class View>
View host_copy_to_device(const std::string &label, const double *data, int n) {
  View d(label, n > 0 ? n : 1);
  auto h = Kokkos::create_mirror_view(d);
  for (int k = 0; k < n; ++k) h(k) = data[k];
  Kokkos::deep_copy(d, h);
  return d;
}

}  // namespace

template <class DeviceType>
void PairSoapGapKokkos<DeviceType>::setup_terms() {
  using namespace soapgap_kk;
  const soapgap::Potential &pot = *potential_;
  const int ntypes = atom->ntypes;
  e0_of_type_ = View1<DeviceType>("soapgap/kk:e0", ntypes + 1);
  auto h_e0 = Kokkos::create_mirror_view(e0_of_type_);
  for (int t = 0; t <= ntypes; ++t) {
    h_e0(t) = 0.0;
    const auto it = pot.data().e0.find(type_z_[t]);
    if (t > 0 && type_z_[t] > 0 && it != pot.data().e0.end()) h_e0(t) = it->second;
  }
  Kokkos::deep_copy(e0_of_type_, h_e0);

  if (pot.core())
    error->all(FLERR,
               "pair_style soapgap/kk: the potential has a Glue core (a QUIP import), which soapgap/kk does "
               "not implement; use pair_style soapgap");
  soap_terms_.clear();
  pair_terms_.clear();
  for (size_t ti = 0; ti < pot.terms().size(); ++ti) {
    const soapgap::Term &term = pot.terms()[ti];
    const std::string type = term.descriptor().type();
    if (type == "soap")
      setup_soap_term(static_cast<int>(ti), term);
    else if (type == "distance_2b")
      setup_pair_term(static_cast<int>(ti), term);
    else
      error->all(FLERR, "pair_style soapgap/kk: term {}: descriptor type {} has no Kokkos implementation", ti + 1,
                 type);
  }
}

template <class DeviceType>
void PairSoapGapKokkos<DeviceType>::setup_soap_term(int index, const soapgap::Term &term) {
  using namespace soapgap_kk;
  const int ntypes = atom->ntypes;
  const bool host = std::is_same<typename DeviceType::memory_space, Kokkos::HostSpace>::value;
  const auto *soap = static_cast<const soapgap::SoapDescriptor *>(&term.descriptor());  // type() == "soap"
  const auto *kernel = dynamic_cast<const soapgap::DotProductKernel *>(&term.kernel());
  if (!kernel) error->all(FLERR, "pair_style soapgap/kk: term {}: SOAP needs the dot-product kernel", index + 1);
  SoapTermKokkos<DeviceType> t;
  const sm::SoapMath host_math = soap->math();
  t.P = host_math;
  const int N = host_math.n_max;
  t.centres = host_copy_to_device<View1<DeviceType>>("soapgap/kk:centres", host_math.centres, N);
  t.W = host_copy_to_device<View1<DeviceType>>("soapgap/kk:W", host_math.W, N * N);
  t.central = host_copy_to_device<View1<DeviceType>>("soapgap/kk:central", host_math.central, N);
  t.ylm_table = host_copy_to_device<View1<DeviceType>>("soapgap/kk:ylm", host_math.ylm_table,
                                                       sm::ylm_table_size(host_math.l_max));
  t.P.centres = t.centres.data();
  t.P.W = t.W.data();
  t.P.central = t.central.data();
  t.P.ylm_table = t.ylm_table.data();
  t.dim = soap->dimension();
  t.n_coef = sm::n_coefficients(host_math);
  t.d2 = kernel->delta() * kernel->delta();
  t.zeta = kernel->zeta();
  t.threads_per_team = host ? 1 : 32;
  // The team kernel also on the host when SOAPGAP_KK_TEAM_KERNEL is set (a test of the device
  // code path on a machine without a GPU; slower than the GEMMs).
  t.team_kernel = !host || std::getenv("SOAPGAP_KK_TEAM_KERNEL") != nullptr;

  t.type_channel = IntView1<DeviceType>("soapgap/kk:type_channel", ntypes + 1);
  auto h_ch = Kokkos::create_mirror_view(t.type_channel);
  h_ch(0) = -1;
  for (int ty = 1; ty <= ntypes; ++ty) {
    h_ch(ty) = type_z_[ty] > 0 ? soap->channel(type_z_[ty]) : -1;
    if (type_z_[ty] > 0 && h_ch(ty) < 0)
      error->all(FLERR, "pair_style soapgap/kk: atom type {} (Z={}) is not among the species of term {} ({})", ty,
                 type_z_[ty], index + 1, soap->spec());
  }
  Kokkos::deep_copy(t.type_channel, h_ch);
  t.type_group = IntView1<DeviceType>("soapgap/kk:type_group", ntypes + 1);
  auto h_g = Kokkos::create_mirror_view(t.type_group);
  for (int ty = 0; ty <= ntypes; ++ty) h_g(ty) = (ty > 0 && type_z_[ty] > 0) ? soap->group_of(type_z_[ty]) : -1;
  Kokkos::deep_copy(t.type_group, h_g);

  const int n_groups = term.n_groups();
  std::vector<int> start(n_groups + 1, 0);
  for (int g = 0; g < n_groups; ++g) start[g + 1] = start[g] + static_cast<int>(term.groups[g].alpha.size());
  const int M = start[n_groups], D = t.dim;
  t.group_start = IntView1<DeviceType>("soapgap/kk:group_start", n_groups + 1);
  auto h_start = Kokkos::create_mirror_view(t.group_start);
  for (int g = 0; g <= n_groups; ++g) h_start(g) = start[g];
  Kokkos::deep_copy(t.group_start, h_start);
  t.max_group = 0;
  for (int g = 0; g < n_groups; ++g) t.max_group = std::max(t.max_group, start[g + 1] - start[g]);
  t.X = View2<DeviceType>("soapgap/kk:X", std::max(M, 1), D);
  // The transpose only for the team kernel (kernel_cpu() multiplies with X alone).
  t.XT = View2<DeviceType>("soapgap/kk:XT", t.team_kernel ? D : 1, t.team_kernel ? std::max(M, 1) : 1);
  t.alpha = View1<DeviceType>("soapgap/kk:alpha", std::max(M, 1));
  auto h_X = Kokkos::create_mirror_view(t.X);
  auto h_XT = Kokkos::create_mirror_view(t.XT);
  auto h_alpha = Kokkos::create_mirror_view(t.alpha);
  for (int g = 0; g < n_groups; ++g) {
    const soapgap::SparseGroupData &grp = term.groups[g];
    for (int s = 0; s < grp.alpha.size(); ++s) {
      h_alpha(start[g] + s) = grp.alpha[s];
      for (int d = 0; d < D; ++d) {
        h_X(start[g] + s, d) = grp.sparse_points(s, d);
        if (t.team_kernel) h_XT(d, start[g] + s) = grp.sparse_points(s, d);
      }
    }
  }
  Kokkos::deep_copy(t.X, h_X);
  Kokkos::deep_copy(t.XT, h_XT);
  Kokkos::deep_copy(t.alpha, h_alpha);
  soap_terms_.push_back(t);
}

template <class DeviceType>
void PairSoapGapKokkos<DeviceType>::setup_pair_term(int index, const soapgap::Term &term) {
  using namespace soapgap_kk;
  const int ntypes = atom->ntypes;
  const auto *pair = static_cast<const soapgap::Distance2bDescriptor *>(&term.descriptor());  // "distance_2b"
  const auto *kernel = dynamic_cast<const soapgap::SquaredExponentialKernel *>(&term.kernel());
  if (!kernel)
    error->all(FLERR, "pair_style soapgap/kk: term {}: distance_2b needs the squared-exponential kernel", index + 1);
  const soapgap::Distance2bParameters &p = pair->parameters();
  PairTermKokkos<DeviceType> t;
  t.cutoff = p.cutoff;
  t.width = p.cutoff_transition_width;
  t.d2 = kernel->delta() * kernel->delta();
  t.f = soapgap::kernel_math::squared_exponential_factor(kernel->theta());
  const std::vector<std::string> keys = pair->group_keys();
  t.type_group = IntView2<DeviceType>("soapgap/kk:type_group", ntypes + 1, ntypes + 1);
  auto h_tg = Kokkos::create_mirror_view(t.type_group);
  for (int a = 0; a <= ntypes; ++a)
    for (int b = 0; b <= ntypes; ++b) {
      h_tg(a, b) = -1;
      if (a == 0 || b == 0 || type_z_[a] == 0 || type_z_[b] == 0) continue;
      const int za = std::min(type_z_[a], type_z_[b]), zb = std::max(type_z_[a], type_z_[b]);
      const auto it = std::find(keys.begin(), keys.end(), std::to_string(za) + "-" + std::to_string(zb));
      if (it != keys.end()) h_tg(a, b) = static_cast<int>(it - keys.begin());
    }
  Kokkos::deep_copy(t.type_group, h_tg);
  const int n_groups = term.n_groups();
  std::vector<double> x, alpha;
  std::vector<int> start(1, 0);
  for (int g = 0; g < n_groups; ++g) {
    const soapgap::SparseGroupData &grp = term.groups[g];
    for (int s = 0; s < grp.alpha.size(); ++s) {
      x.push_back(grp.sparse_points(s, 0));
      alpha.push_back(grp.alpha[s]);
    }
    start.push_back(static_cast<int>(x.size()));
  }
  t.x = host_copy_to_device<View1<DeviceType>>("soapgap/kk:x2b", x.data(), static_cast<int>(x.size()));
  t.alpha = host_copy_to_device<View1<DeviceType>>("soapgap/kk:alpha2b", alpha.data(), static_cast<int>(alpha.size()));
  t.group_start = IntView1<DeviceType>("soapgap/kk:group_start2b", n_groups + 1);
  auto h_start = Kokkos::create_mirror_view(t.group_start);
  for (int g = 0; g <= n_groups; ++g) h_start(g) = start[g];
  Kokkos::deep_copy(t.group_start, h_start);
  pair_terms_.push_back(t);
}

template <class DeviceType>
void soapgap_kk::SoapTermKokkos<DeviceType>::kernel_cpu() {
  using soapgap::RowMatrix;
  const int n_groups = static_cast<int>(group_start.extent(0)) - 1;
  std::vector<std::vector<int>> rows(n_groups);  // the centres (ilist positions) of each group
  for (int ii = 0; ii < atoms.inum; ++ii) {
    const int g = type_group(atoms.type(atoms.ilist(ii)));
    if (g >= 0) rows[g].push_back(ii);
  }
  for (int g = 0; g < n_groups; ++g) {
    const int s0 = group_start(g), m = group_start(g + 1) - s0, ng = static_cast<int>(rows[g].size());
    if (m == 0 || ng == 0) continue;
    RowMatrix Q(ng, dim);
    for (int r = 0; r < ng; ++r) Q.row(r) = Eigen::Map<const Eigen::RowVectorXd>(&q(rows[g][r], 0), dim);
    const Eigen::Map<const RowMatrix> Xg(&X(s0, 0), m, dim);
    const Eigen::Map<const Eigen::VectorXd> beta(&alpha(s0), m);
    // Threaded over blocks of centres with single-threaded BLAS (kernels/dot_product_batch.h).
    thread_local Eigen::VectorXd eps;
    thread_local RowMatrix G;
    soapgap::dot_product_values_and_gradients(Q, Xg, beta, d2, zeta, eps, G);
    for (int r = 0; r < ng; ++r) {
      atoms.ecentre(rows[g][r]) += eps[r];
      Eigen::Map<Eigen::RowVectorXd>(&dq(rows[g][r], 0), dim) = G.row(r);
    }
  }
}

template <class DeviceType>
void PairSoapGapKokkos<DeviceType>::compute(int eflag, int vflag) {
  using namespace soapgap_kk;
  ev_init(eflag, vflag, 0);
  if (eflag_atom) {
    memoryKK->destroy_kokkos(k_eatom, eatom);
    memoryKK->create_kokkos(k_eatom, eatom, maxeatom, "pair:eatom");
    d_eatom = k_eatom.template view<DeviceType>();
  }
  if (vflag_atom) {
    memoryKK->destroy_kokkos(k_vatom, vatom);
    memoryKK->create_kokkos(k_vatom, vatom, maxvatom, "pair:vatom");
    d_vatom = k_vatom.template view<DeviceType>();
  }
  atomKK->sync(execution_space, datamask_read);
  if (eflag || vflag)
    atomKK->modified(execution_space, datamask_modify);
  else
    atomKK->modified(execution_space, F_MASK);

  AtomsKK<DeviceType> a;
  a.x = atomKK->k_x.template view<DeviceType>();
  a.f = atomKK->k_f.template view<DeviceType>();
  a.type = atomKK->k_type.template view<DeviceType>();
  NeighListKokkos<DeviceType> *k_list = static_cast<NeighListKokkos<DeviceType> *>(list);
  a.ilist = k_list->d_ilist;
  a.numneigh = k_list->d_numneigh;
  a.neighbors = k_list->d_neighbors;
  a.inum = list->inum;
  a.vatom = d_vatom;
  a.vflag_global = vflag_global;
  a.vflag_atom = vflag_atom;
  const int inum = a.inum;
  if (static_cast<int>(ecentre_.extent(0)) < std::max(inum, 1))
    ecentre_ = View1<DeviceType>("soapgap/kk:ecentre", std::max(inum, 1));
  a.ecentre = ecentre_;

  check_overlaps(a);

  InitEnergyKK<DeviceType> init{a, e0_of_type_};
  Kokkos::parallel_for("soapgap/kk:init_energy", Kokkos::RangePolicy<DeviceType, TagInitEnergy>(0, inum), init);
  EV_FLOAT ev;
  for (auto &t : soap_terms_) t.run(a, ev);
  for (auto &t : pair_terms_) t.run(a, ev);

  const View1<DeviceType> ecentre = ecentre_;
  const typename AT::t_int_1d_randomread ilist = a.ilist;
  if (eflag_global) {
    double energy = 0.0;
    Kokkos::parallel_reduce(
        "soapgap/kk:energy", Kokkos::RangePolicy<DeviceType>(0, inum),
        KOKKOS_LAMBDA(const int ii, double &sum) { sum += ecentre(ii); }, energy);
    eng_vdwl += energy;
  }
  if (eflag_atom) {
    const typename AT::t_efloat_1d eatom_d = d_eatom;
    Kokkos::parallel_for(
        "soapgap/kk:eatom", Kokkos::RangePolicy<DeviceType>(0, inum),
        KOKKOS_LAMBDA(const int ii) { eatom_d(ilist(ii)) += ecentre(ii); });
    k_eatom.template modify<DeviceType>();
    k_eatom.template sync<LMPHostType>();
  }
  if (vflag_global)
    for (int k = 0; k < 6; ++k) virial[k] += ev.v[k];
  if (vflag_atom) {
    k_vatom.template modify<DeviceType>();
    k_vatom.template sync<LMPHostType>();
  }
}

template <class DeviceType>
void PairSoapGapKokkos<DeviceType>::check_overlaps(const soapgap_kk::AtomsKK<DeviceType> &a) {
  const auto x = a.x;
  const auto ilist = a.ilist;
  const auto numneigh = a.numneigh;
  const auto neighbors = a.neighbors;
  double r2min = std::numeric_limits<double>::max();
  Kokkos::parallel_reduce(
      "soapgap/kk:closest_pair", Kokkos::RangePolicy<DeviceType>(0, a.inum),
      KOKKOS_LAMBDA(const int ii, double &m) {
        const int i = ilist(ii);
        for (int jj = 0; jj < numneigh(i); ++jj) {
          const int j = neighbors(i, jj) & NEIGHMASK;
          const double dx = x(j, 0) - x(i, 0), dy = x(j, 1) - x(i, 1), dz = x(j, 2) - x(i, 2);
          const double r2 = dx * dx + dy * dy + dz * dz;
          if (r2 < m) m = r2;
        }
      },
      Kokkos::Min<double>(r2min));
  std::string problem;
  const double min = soapgap::NeighbourList::kMinDistance;
  if (r2min < min * min) {
    try {  // the host style's scan of the (copied) list names the atoms
      soapgap::Structure s;
      std::vector<int> lammps_of, start, neighbour;
      std::vector<Eigen::Vector3d> rvec;
      build_input(s, lammps_of, start, neighbour, rvec);
    } catch (const std::exception &e) {
      problem = std::string("pair_style soapgap/kk: ") + e.what();
    }
  }
  error_on_all_ranks(problem);
}

template <class DeviceType>
PairSoapGap::HostNeighbours PairSoapGapKokkos<DeviceType>::host_neighbours() {
  atomKK->sync(Host, X_MASK | TYPE_MASK | MASK_MASK);
  NeighListKokkos<DeviceType> *k_list = static_cast<NeighListKokkos<DeviceType> *>(list);
  h_ilist_ = Kokkos::create_mirror_view(k_list->d_ilist);
  h_numneigh_ = Kokkos::create_mirror_view(k_list->d_numneigh);
  h_neighbors_ = Kokkos::create_mirror_view(k_list->d_neighbors);
  Kokkos::deep_copy(h_ilist_, k_list->d_ilist);
  Kokkos::deep_copy(h_numneigh_, k_list->d_numneigh);
  Kokkos::deep_copy(h_neighbors_, k_list->d_neighbors);
  HostNeighbours h;
  h.inum = list->inum;
  h.ilist = h_ilist_.data();
  h.numneigh = h_numneigh_.data();
  h.neighbours = h_neighbors_.data();
  h.stride_i = static_cast<long>(h_neighbors_.stride(0));
  h.stride_jj = static_cast<long>(h_neighbors_.stride(1));
  return h;
}

namespace LAMMPS_NS {
template class PairSoapGapKokkos<LMPDeviceType>;
#ifdef LMP_KOKKOS_GPU
template class PairSoapGapKokkos<LMPHostType>;
#endif
}  // namespace LAMMPS_NS
