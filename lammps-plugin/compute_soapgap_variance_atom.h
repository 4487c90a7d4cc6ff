// compute ID group soapgap/variance/atom [terms i j ...]: the predicted variance (eV^2) of each atom's local
// energy under pair_style soapgap (the GP posterior variance stored in the potential file);
// large values flag environments the model has not seen (active learning). Atoms outside
// the group and atoms of NULL types get 0. Its global scalar is the predicted variance (eV^2)
// of the total soapgap energy of the whole system (all atoms of soapgap types, whatever the
// group), summed correctly over MPI ranks; it costs O(N^2 D), so use it on small systems.
// With `terms`, both are the variance of the part of the energy of those terms only (numbered
// from 1 in the file's order, as `soapgap info` lists them).
// With `forces yes` the per-atom data is an array of 11 columns: 1 the local-energy variance,
// 2 the force variance (eV^2/A^2, trace of the covariance), 3-11 the force's 3 x 3 covariance
// (xx xy xz yx yy yz zx zy zz). Force variances need one MPI rank (pair_soapgap.h).
#ifndef LMP_COMPUTE_SOAPGAP_VARIANCE_ATOM_H
#define LMP_COMPUTE_SOAPGAP_VARIANCE_ATOM_H

#include <vector>

#include "compute.h"

namespace LAMMPS_NS {

class ComputeSoapGapVarianceAtom : public Compute {
 public:
  ComputeSoapGapVarianceAtom(class LAMMPS *, int, char **);
  ~ComputeSoapGapVarianceAtom() override;
  void init() override;
  void compute_peratom() override;
  void grow(int nmax);
  double compute_scalar() override;
  double memory_usage() override;

 private:
  int nmax_ = 0;
  double *variance_ = nullptr;
  double **array_ = nullptr;  // forces yes
  bool forces_ = false;
  class PairSoapGap *pair_ = nullptr;
  std::vector<int> terms_;  // 0-based; empty = all terms
};

}  // namespace LAMMPS_NS

#endif
