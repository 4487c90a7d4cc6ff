#include "compute_soapgap_variance_atom.h"

#include <string>

#include "atom.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "pair_soapgap.h"
#include "update.h"

using namespace LAMMPS_NS;

ComputeSoapGapVarianceAtom::ComputeSoapGapVarianceAtom(LAMMPS *lmp, int narg, char **arg) : Compute(lmp, narg, arg) {
  if (narg != 3) {
    std::string extra;
    for (int i = 3; i < narg; i++) extra += std::string(i > 3 ? " " : "") + "\"" + arg[i] + "\"";
    error->all(FLERR, "Illegal compute soapgap/variance/atom command: it takes no arguments after the style (usage: "
                      "compute ID group soapgap/variance/atom), got {}", extra);
  }
  peratom_flag = 1;
  size_peratom_cols = 0;
  scalar_flag = 1;
  extscalar = 0;  // a variance of the total energy: not to be divided by the atom count
}

ComputeSoapGapVarianceAtom::~ComputeSoapGapVarianceAtom() { memory->destroy(variance_); }

void ComputeSoapGapVarianceAtom::init() {
  pair_ = dynamic_cast<PairSoapGap *>(force->pair_match("^soapgap", 0));
  if (!pair_) error->all(FLERR, "compute soapgap/variance/atom requires pair_style soapgap (alone or in a hybrid)");
  if (!pair_->potential()) error->all(FLERR, "compute soapgap/variance/atom: pair_coeff for soapgap is missing");
}

void ComputeSoapGapVarianceAtom::compute_peratom() {
  invoked_peratom = update->ntimestep;
  if (atom->nmax > nmax_) {
    memory->destroy(variance_);
    nmax_ = atom->nmax;
    memory->create(variance_, nmax_, "soapgap/variance/atom:variance");
    vector_atom = variance_;
  }
  pair_->local_variance(variance_);
  const int *mask = atom->mask;
  for (int i = 0; i < atom->nlocal; i++)
    if (!(mask[i] & groupbit)) variance_[i] = 0.0;
}

double ComputeSoapGapVarianceAtom::compute_scalar() {
  invoked_scalar = update->ntimestep;
  scalar = pair_->energy_variance();
  return scalar;
}

double ComputeSoapGapVarianceAtom::memory_usage() { return static_cast<double>(nmax_) * sizeof(double); }
