#include "compute_soapgap_variance_atom.h"

#include <cstdlib>
#include <string>

#include "atom.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "model/potential.h"
#include "pair_soapgap.h"
#include "update.h"

using namespace LAMMPS_NS;

ComputeSoapGapVarianceAtom::ComputeSoapGapVarianceAtom(LAMMPS *lmp, int narg, char **arg) : Compute(lmp, narg, arg) {
  // compute ID group soapgap/variance/atom [terms i j ...]: terms numbered from 1 as in the file
  int iarg = 3;
  if (iarg + 1 < narg && std::string(arg[iarg]) == "forces") {
    const std::string v = arg[iarg + 1];
    if (v != "yes" && v != "no")
      error->all(FLERR, "compute soapgap/variance/atom: forces: expected yes or no, got \"{}\"", v);
    forces_ = v == "yes";
    iarg += 2;
  }
  if (iarg < narg && std::string(arg[iarg]) == "terms") {
    for (iarg++; iarg < narg; iarg++) {
      char *end = nullptr;
      const long t = std::strtol(arg[iarg], &end, 10);
      if (end == arg[iarg] || *end != '\0' || t < 1 || t > 1000000)
        error->all(FLERR,
                   "compute soapgap/variance/atom: terms: expected term numbers 1, 2, ... (as in the "
                   "potential file), got \"{}\"",
                   arg[iarg]);
      terms_.push_back(static_cast<int>(t - 1));
    }
    if (terms_.empty()) error->all(FLERR, "compute soapgap/variance/atom: terms: expected at least one term number");
  }
  if (iarg < narg) {
    std::string extra;
    for (int i = iarg; i < narg; i++) extra += std::string(i > iarg ? " " : "") + "\"" + arg[i] + "\"";
    error->all(FLERR,
               "Illegal compute soapgap/variance/atom command: unexpected {} (usage: "
               "compute ID group soapgap/variance/atom [forces yes|no] [terms i j ...])",
               extra);
  }
  peratom_flag = 1;
  size_peratom_cols = forces_ ? 11 : 0;
  scalar_flag = 1;
  extscalar = 0;  // a variance of the total energy: not to be divided by the atom count
}

ComputeSoapGapVarianceAtom::~ComputeSoapGapVarianceAtom() {
  memory->destroy(variance_);
  memory->destroy(array_);
}

void ComputeSoapGapVarianceAtom::grow(int nmax) {
  memory->destroy(variance_);
  memory->destroy(array_);
  nmax_ = nmax;
  memory->create(variance_, nmax_, "soapgap/variance/atom:variance");
  vector_atom = variance_;
  if (forces_) {
    memory->create(array_, nmax_, 11, "soapgap/variance/atom:array");
    array_atom = array_;
  }
}

void ComputeSoapGapVarianceAtom::init() {
  pair_ = dynamic_cast<PairSoapGap *>(force->pair_match("^soapgap", 0));
  if (!pair_) error->all(FLERR, "compute soapgap/variance/atom requires pair_style soapgap (alone or in a hybrid)");
  if (!pair_->potential()) error->all(FLERR, "compute soapgap/variance/atom: pair_coeff for soapgap is missing");
  try {
    pair_->potential()->check_variance_terms(terms_);
  } catch (const std::exception &e) {
    error->all(FLERR, "compute soapgap/variance/atom: {}", e.what());
  }
}

void ComputeSoapGapVarianceAtom::compute_peratom() {
  invoked_peratom = update->ntimestep;
  if (atom->nmax > nmax_) grow(atom->nmax);
  pair_->local_variance(variance_, terms_);
  const int *mask = atom->mask;
  for (int i = 0; i < atom->nlocal; i++)
    if (!(mask[i] & groupbit)) variance_[i] = 0.0;
  if (!forces_) return;
  std::vector<double> flat(9 * static_cast<size_t>(atom->nlocal));
  std::vector<double *> rows(atom->nlocal);
  for (int i = 0; i < atom->nlocal; i++) rows[i] = &flat[9 * static_cast<size_t>(i)];
  pair_->force_covariance(rows.data(), terms_);
  for (int i = 0; i < atom->nlocal; i++) {
    const bool in = mask[i] & groupbit;
    array_[i][0] = variance_[i];
    array_[i][1] = in ? rows[i][0] + rows[i][4] + rows[i][8] : 0.0;
    for (int k = 0; k < 9; k++) array_[i][2 + k] = in ? rows[i][k] : 0.0;
  }
}

double ComputeSoapGapVarianceAtom::compute_scalar() {
  invoked_scalar = update->ntimestep;
  scalar = pair_->energy_variance(terms_);
  return scalar;
}

double ComputeSoapGapVarianceAtom::memory_usage() {
  return static_cast<double>(nmax_) * sizeof(double) * (forces_ ? 12 : 1);
}
