#include "pair_soapgap.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include "atom.h"
#include "comm.h"
#include "core/elements.h"
#include "core/error.h"
#include "error.h"
#include "force.h"
#include "io/load_potential.h"
#include "io/potential_file.h"
#include "io/quip_potential.h"
#include "memory.h"
#include "model/force_variance.h"
#include "model/potential.h"
#include "neigh_list.h"
#include "neighbor.h"
#ifndef SOAPGAP_LAMMPS_ADD_REQUEST
#include "neigh_request.h"
#endif
#include "neighbours/neighbour_list.h"
#include "update.h"

using namespace LAMMPS_NS;

PairSoapGap::PairSoapGap(LAMMPS *lmp) : Pair(lmp) {
  single_enable = 0;
  restartinfo = 0;
  one_coeff = 1;
  manybody_flag = 1;
  centroidstressflag = CENTROID_NOTAVAIL;
  // The library returns the virial (and per-atom virials) directly.
  no_virial_fdotr_compute = 1;
}

PairSoapGap::~PairSoapGap() {
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairSoapGap::allocate() {
  allocated = 1;
  const int n = atom->ntypes;
  memory->create(setflag, n + 1, n + 1, "pair:setflag");
  memory->create(cutsq, n + 1, n + 1, "pair:cutsq");
  for (int i = 1; i <= n; i++)
    for (int j = i; j <= n; j++) setflag[i][j] = 0;
}

void PairSoapGap::settings(int narg, char ** /*arg*/) {
  if (narg != 0)
    error->all(FLERR, "Illegal pair_style soapgap command: it takes no arguments (usage: pair_style soapgap)");
  // LAMMPS refuses types other than * * of a one_coeff style itself, with its generic
  // "Incorrect args for pair coefficients", before coeff() sees them. As the top-level style
  // (force->pair is this one while LAMMPS calls settings()) coeff() checks them instead and says
  // what soapgap needs; under pair_style hybrid the flag stays set, as hybrid relies on it.
  one_coeff = force->pair == this ? 0 : 1;
}

void PairSoapGap::coeff(int narg, char **arg) {
  if (!allocated) allocate();
  const int ntypes = atom->ntypes;
  if (narg >= 2 && (strcmp(arg[0], "*") != 0 || strcmp(arg[1], "*") != 0))
    error->all(FLERR,
               "Incorrect args for pair_coeff soapgap: the atom types must be * * (one pair_coeff maps every "
               "type), not {} {}: pair_coeff * * <potential.xml> <element or NULL for each atom type>",
               arg[0], arg[1]);
  if (narg < 3)
    error->all(FLERR,
               "Incorrect args for pair_coeff soapgap: expected pair_coeff * * <potential file> followed by one "
               "element (or NULL) for each of the {} atom types",
               ntypes);
  // pair_style quip's form is accepted too: pair_coeff * * gap.xml "Potential xml_label=LABEL" 14 ...
  // (a QUIP init string after the file; atom types given as element symbols or atomic numbers).
  std::string quip_label;
  int first_type_arg = 3;
  if (narg > 3 && soapgap::is_quip_init_string(arg[3])) {
    try {
      quip_label = soapgap::quip_init_label(arg[3]);
    } catch (const std::exception &e) {
      error->all(FLERR, "pair_coeff soapgap: {}", e.what());
    }
    first_type_arg = 4;
  }
  if (narg != first_type_arg + ntypes)
    error->all(FLERR,
               "Incorrect args for pair_coeff soapgap: expected pair_coeff * * <potential.xml> followed by one "
               "element (or NULL) for each of the {} atom types, got {} element(s)",
               ntypes, narg - first_type_arg);
  file_ = arg[2];
  if (file_.empty()) error->all(FLERR, "pair_coeff soapgap: the potential file name is empty (\"\")");
  try {
    potential_ = std::make_shared<const soapgap::Potential>(soapgap::load_potential(file_, quip_label));
  } catch (const std::exception &e) {
    error->all(FLERR, "pair_style soapgap: cannot use potential file {}: {}", file_, e.what());
  }
  cutoff_ = potential_->cutoff();
  const std::vector<int> &elements = potential_->elements();
  type_z_.assign(ntypes + 1, 0);
  int mapped = 0;
  for (int t = 1; t <= ntypes; t++) {
    const std::string name = arg[first_type_arg - 1 + t];
    if (name == "NULL") continue;
    int z = 0;
    try {
      z = soapgap::atomic_number(name);  // a symbol or an atomic number
    } catch (const std::exception &) {
      error->all(FLERR, "pair_coeff soapgap: atom type {}: \"{}\" is not an element symbol, atomic number or NULL", t,
                 name);
    }
    if (!std::binary_search(elements.begin(), elements.end(), z)) {
      std::string covered;
      for (int e : elements) covered += (covered.empty() ? "" : " ") + soapgap::element_symbol(e);
      error->all(FLERR, "pair_coeff soapgap: atom type {} is {}, which {} does not cover (elements: {})", t, name,
                 file_, covered);
    }
    type_z_[t] = z;
    ++mapped;
  }
  if (mapped == 0)
    error->all(FLERR, "pair_coeff soapgap: every atom type is NULL; expected at least one element of {}", file_);
  for (int i = 1; i <= ntypes; i++)
    for (int j = i; j <= ntypes; j++) setflag[i][j] = (type_z_[i] > 0 && type_z_[j] > 0) ? 1 : 0;
  if (comm->me == 0)
    utils::logmesg(lmp, "pair_style soapgap: {} ({} terms, {} sparse points, cutoff {} Angstrom{})\n", file_,
                   potential_->terms().size(), potential_->n_sparse_total(), cutoff_,
                   potential_->has_variance() ? ", variance data" : "");
}

void PairSoapGap::init_style() {
  if (!potential_) error->all(FLERR, "pair_style soapgap: pair_coeff * * <potential.xml> <elements> is missing");
  if (strcmp(update->unit_style, "metal") != 0)
    error->all(FLERR, "pair_style soapgap requires units metal (energies in eV, distances in Angstrom), not units {}",
               update->unit_style);
  if (force->newton_pair == 0)
    error->all(FLERR,
               "pair_style soapgap requires newton pair on (the forces on ghost atoms are summed by LAMMPS' "
               "reverse communication)");
#ifdef SOAPGAP_LAMMPS_ADD_REQUEST  // LAMMPS 2022 and later (see CMakeLists.txt)
  neighbor->add_request(this, NeighConst::REQ_FULL);
#else
  const int irequest = neighbor->request(this, instance_me);
  neighbor->requests[irequest]->half = 0;
  neighbor->requests[irequest]->full = 1;
#endif
}

double PairSoapGap::init_one(int i, int j) {
  // Every type pair gets the model's cutoff, so that ghost atoms reach that far.
  if (setflag[i][j] == 0 && type_z_[i] > 0 && type_z_[j] > 0)
    error->all(FLERR, "pair_style soapgap: pair_coeff has not set types {} and {}", i, j);
  return cutoff_;
}

PairSoapGap::HostNeighbours PairSoapGap::host_neighbours() {
  HostNeighbours h;
  h.inum = list->inum;
  h.ilist = list->ilist;
  h.numneigh = list->numneigh;
  h.firstneigh = list->firstneigh;
  return h;
}

void PairSoapGap::build_input(soapgap::Structure &s, std::vector<int> &lammps_of, std::vector<int> &start,
                              std::vector<int> &neighbour, std::vector<Eigen::Vector3d> &rvec) {
  const HostNeighbours nb = host_neighbours();
  double **x = atom->x;
  const int *type = atom->type;
  const int nlocal = atom->nlocal;
  const int nall = nlocal + atom->nghost;
  const int inum = nb.inum;
  const int *ilist = nb.ilist;
  const int *numneigh = nb.numneigh;

  std::vector<int> centre_of(nlocal, -1);
  lammps_of.clear();
  lammps_of.reserve(inum);
  for (int ii = 0; ii < inum; ii++) {
    const int i = ilist[ii];
    if (type_z_[type[i]] > 0) {
      centre_of[i] = static_cast<int>(lammps_of.size());
      lammps_of.push_back(i);
    }
  }
  const int nc = static_cast<int>(lammps_of.size());
  s.numbers.assign(nc + (nall - nlocal), 0);
  const int fallback_z = potential_->elements().front();  // for ghost slots of NULL types (never used)
  for (int c = 0; c < nc; c++) s.numbers[c] = type_z_[type[lammps_of[c]]];
  for (int g = nlocal; g < nall; g++) s.numbers[nc + g - nlocal] = type_z_[type[g]] > 0 ? type_z_[type[g]] : fallback_z;
  s.positions = soapgap::MatrixX3::Zero(s.numbers.size(), 3);  // the descriptors use the neighbour vectors only

  const double cutsq_model = cutoff_ * cutoff_;
  const double min2 = soapgap::NeighbourList::kMinDistance * soapgap::NeighbourList::kMinDistance;
  start.assign(nc + 1, 0);
  neighbour.clear();
  rvec.clear();
  for (int c = 0; c < nc; c++) {
    const int i = lammps_of[c];
    for (int jj = 0; jj < numneigh[i]; jj++) {
      const int j = nb(i, jj) & NEIGHMASK;
      if (type_z_[type[j]] == 0) continue;
      const Eigen::Vector3d d(x[j][0] - x[i][0], x[j][1] - x[i][1], x[j][2] - x[i][2]);
      const double r2 = d.squaredNorm();
      if (r2 >= cutsq_model) continue;
      if (r2 < min2) throw_overlap(i, j, std::sqrt(r2));
      neighbour.push_back(j < nlocal ? centre_of[j] : nc + j - nlocal);
      rvec.push_back(d);
    }
    start[c + 1] = static_cast<int>(neighbour.size());
  }
}

void PairSoapGap::check_variance_data(const char *who) const {
  if (!potential_->has_variance())
    error->all(FLERR,
               "{}: {} has no variance data (soapgap fit stores it unless given --no-variance; QUIP/GAP files "
               "have none)",
               who, file_);
}

void PairSoapGap::throw_overlap(int i, int j, double r) const {
  const tagint *tag = atom->tag;
  const double *xi = atom->x[i];
  throw soapgap::GeometryError(
      fmt::format("atoms with IDs {} and {}{} are {:.4g} Angstrom apart (less than {} Angstrom) near ({:.4f}, {:.4f}, "
                  "{:.4f}): atoms "
                  "on top of each other",
                  tag[i], tag[j], tag[i] == tag[j] ? " (a periodic image of itself)" : "", r,
                  soapgap::NeighbourList::kMinDistance, xi[0], xi[1], xi[2]));
}

void PairSoapGap::error_on_all_ranks(const std::string &problem) {
  // Collective: the lowest rank with a problem sends its message to every rank, and all stop
  // with error->all, so that the message reaches the screen and log.lammps (error->one on
  // another rank than 0 writes to neither when output is redirected; MPI_Abort may cut it off).
  const int mine = problem.empty() ? comm->nprocs : comm->me;
  int first = comm->nprocs;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, world);
  if (first == comm->nprocs) return;
  int length = static_cast<int>(problem.size());
  MPI_Bcast(&length, 1, MPI_INT, first, world);
  std::string message = comm->me == first ? problem : std::string(length, ' ');
  MPI_Bcast(&message[0], length, MPI_CHAR, first, world);
  if (comm->nprocs > 1) message += fmt::format(" (MPI rank {})", first);
  error->all(FLERR, message);
}

soapgap::Prediction PairSoapGap::evaluate(const soapgap::PredictOptions &options, std::vector<int> &lammps_of,
                                          int &n_structure, const char *who) {
  soapgap::Prediction p;
  std::string problem;
  try {
    soapgap::Structure s;
    std::vector<int> start, neighbour;
    std::vector<Eigen::Vector3d> rvec;
    build_input(s, lammps_of, start, neighbour, rvec);
    n_structure = static_cast<int>(s.numbers.size());
    const soapgap::NeighbourList nl =
        soapgap::NeighbourList::from_entries(cutoff_, std::move(start), std::move(neighbour), std::move(rvec));
    p = potential_->compute(s, nl, options);
  } catch (const std::exception &e) {
    problem = std::string(who) + ": " + e.what();
  }
  error_on_all_ranks(problem);
  return p;
}

void PairSoapGap::local_variance(double *variance, const std::vector<int> &terms) {
  check_variance_data("compute soapgap/variance/atom");
  soapgap::PredictOptions options;
  options.variance_terms = terms;
  options.forces = false;
  options.variance = true;
  options.total_variance = false;
  std::vector<int> lammps_of;
  int n_structure = 0;
  const soapgap::Prediction p = evaluate(options, lammps_of, n_structure, "compute soapgap/variance/atom");
  for (int i = 0; i < atom->nlocal; i++) variance[i] = 0.0;
  for (size_t c = 0; c < lammps_of.size(); c++) variance[lammps_of[c]] = p.local_variance[c];
}

void PairSoapGap::force_covariance(double **covariance, const std::vector<int> &terms) {
  check_variance_data("compute soapgap/variance/atom forces yes");
  std::string problem;
  soapgap::ForceCovariance c;
  std::vector<int> lammps_of;
  try {
    if (comm->nprocs > 1)
      throw soapgap::InputError(
          "force variances need all atoms on one MPI rank (a force sums the environments of "
          "its neighbours, which other ranks compute); run on one rank");
    soapgap::Structure s;
    std::vector<int> start, neighbour;
    std::vector<Eigen::Vector3d> rvec;
    build_input(s, lammps_of, start, neighbour, rvec);
    const int nc = static_cast<int>(lammps_of.size()), nlocal = atom->nlocal;
    // ghost atoms on one rank are periodic images of local atoms: their owners by tag
    std::unordered_map<tagint, int> centre_of_tag;
    for (int c = 0; c < nc; c++) centre_of_tag[atom->tag[lammps_of[c]]] = c;
    std::vector<int> owner(s.numbers.size(), -1);
    for (int c = 0; c < nc; c++) owner[c] = c;
    for (int g = nlocal; g < nlocal + atom->nghost; g++) {
      auto it = centre_of_tag.find(atom->tag[g]);
      if (it != centre_of_tag.end()) owner[nc + g - nlocal] = it->second;
    }
    const soapgap::NeighbourList nl =
        soapgap::NeighbourList::from_entries(cutoff_, std::move(start), std::move(neighbour), std::move(rvec));
    c = soapgap::force_covariance(*potential_, s, nl, terms, nullptr, &owner);
  } catch (const std::exception &e) {
    problem = std::string("compute soapgap/variance/atom forces yes: ") + e.what();
  }
  error_on_all_ranks(problem);
  for (int i = 0; i < atom->nlocal; i++)
    for (int k = 0; k < 9; k++) covariance[i][k] = 0.0;
  for (size_t c_ = 0; c_ < lammps_of.size(); c_++)
    for (int k = 0; k < 9; k++) covariance[lammps_of[c_]][k] = c(static_cast<Eigen::Index>(c_), k);
}

double PairSoapGap::energy_variance(const std::vector<int> &terms) {
  check_variance_data("compute soapgap/variance/atom (total-energy variance)");
  soapgap::PredictOptions options;
  options.variance_terms = terms;
  options.forces = false;
  options.variance = true;
  options.total_variance = false;
  options.variance_parts = true;
  std::vector<int> lammps_of;
  int n_structure = 0;
  const soapgap::EnergyVarianceParts mine =
      evaluate(options, lammps_of, n_structure, "compute soapgap/variance/atom").variance_parts;
  // Every rank's environments, term by term and group by group (rows of q, then weights).
  const int nprocs = comm->nprocs;
  soapgap::EnergyVarianceParts all = mine;
  std::vector<int> counts(nprocs), displs(nprocs);
  for (size_t t = 0; t < mine.q.size(); t++)
    for (size_t g = 0; g < mine.q[t].size(); g++) {
      const int dim = static_cast<int>(mine.q[t][g].cols());
      const int n_mine = static_cast<int>(mine.q[t][g].rows());
      MPI_Allgather(&n_mine, 1, MPI_INT, counts.data(), 1, MPI_INT, world);
      int n_all = 0;
      for (int p = 0; p < nprocs; p++) {
        displs[p] = n_all;
        n_all += counts[p];
      }
      Eigen::VectorXd &w_all = all.w[t][g];
      w_all.resize(n_all);
      MPI_Allgatherv(mine.w[t][g].data(), n_mine, MPI_DOUBLE, w_all.data(), counts.data(), displs.data(), MPI_DOUBLE,
                     world);
      std::vector<int> counts_q(nprocs), displs_q(nprocs);
      for (int p = 0; p < nprocs; p++) {
        counts_q[p] = counts[p] * dim;
        displs_q[p] = displs[p] * dim;
      }
      soapgap::RowMatrix &q_all = all.q[t][g];
      q_all.resize(n_all, dim);
      MPI_Allgatherv(mine.q[t][g].data(), n_mine * dim, MPI_DOUBLE, q_all.data(), counts_q.data(), displs_q.data(),
                     MPI_DOUBLE, world);
    }
  Eigen::VectorXd k_total(mine.k_total.size());
  MPI_Allreduce(mine.k_total.data(), k_total.data(), static_cast<int>(k_total.size()), MPI_DOUBLE, MPI_SUM, world);
  double prior_mine = 0.0, prior = 0.0;
  std::string problem;
  try {
    prior_mine = potential_->prior_energy_covariance(mine, all);
  } catch (const std::exception &e) {
    problem = std::string("compute soapgap/variance/atom: ") + e.what();
  }
  error_on_all_ranks(problem);
  MPI_Allreduce(&prior_mine, &prior, 1, MPI_DOUBLE, MPI_SUM, world);
  return potential_->posterior_variance(prior, k_total);
}

void *PairSoapGap::extract(const char *name, int &dim) {
  dim = 0;
  if (std::strcmp(name, "variance_flag") == 0) return &variance_flag_;
  return nullptr;
}

#ifdef SOAPGAP_LAMMPS_EXTRACT_PERATOM
void *PairSoapGap::extract_peratom(const char *name, int &ncol) {
  ncol = 0;
  if (std::strcmp(name, "variance") != 0) return nullptr;
  // Nothing before a compute() that fix pair flagged (fix pair then names the property).
  return peratom_variance_.size() >= static_cast<size_t>(atom->nlocal) && atom->nlocal > 0 ? peratom_variance_.data()
                                                                                           : nullptr;
}
#endif

void PairSoapGap::compute(int eflag, int vflag) {
  ev_init(eflag, vflag);
  double **f = atom->f;
  const int nlocal = atom->nlocal;
  soapgap::PredictOptions options;
  options.atom_virial = vflag_atom != 0;
  if (variance_flag_) {
    check_variance_data("fix pair ... soapgap variance");
    options.variance = true;
    options.total_variance = false;
  }
  std::vector<int> lammps_of;
  int n_structure = 0;
  const soapgap::Prediction p = evaluate(options, lammps_of, n_structure, "pair_style soapgap");
  const int nc = static_cast<int>(lammps_of.size());
  if (variance_flag_) {
    peratom_variance_.assign(nlocal, 0.0);  // 0 for atoms of NULL types
    for (int c = 0; c < nc; c++) peratom_variance_[lammps_of[c]] = p.local_variance[c];
    variance_flag_ = 0;
  }

  auto lammps_index = [&](int a) { return a < nc ? lammps_of[a] : nlocal + (a - nc); };
  for (int a = 0; a < n_structure; a++) {
    const int i = lammps_index(a);
    f[i][0] += p.forces(a, 0);
    f[i][1] += p.forces(a, 1);
    f[i][2] += p.forces(a, 2);
  }
  if (eflag_global) eng_vdwl += p.local_energy.sum();
  if (eflag_atom)
    for (int c = 0; c < nc; c++) eatom[lammps_of[c]] += p.local_energy[c];
  if (vflag_global) {
    const Eigen::Matrix3d &W = p.virial;
    virial[0] += W(0, 0);
    virial[1] += W(1, 1);
    virial[2] += W(2, 2);
    virial[3] += 0.5 * (W(0, 1) + W(1, 0));
    virial[4] += 0.5 * (W(0, 2) + W(2, 0));
    virial[5] += 0.5 * (W(1, 2) + W(2, 1));
  }
  if (vflag_atom)
    for (int a = 0; a < n_structure; a++) {
      const int i = lammps_index(a);
      for (int k = 0; k < 6; k++) vatom[i][k] += p.atom_virial(a, k);
    }
}
