// pair_style soapgap: a SOAP-GAP potential from soapgap's library in LAMMPS (plugin).
//
//   plugin load soapgapplugin.so
//   pair_style soapgap
//   pair_coeff * * Si.xml Si [NULL ...]     (one element or NULL per atom type)
//
// Full neighbour list, newton pair on. Energies, forces, global and per-atom virial
// (compute stress/atom) and per-atom energy (compute pe/atom). The model's mathematics is
// the core library's (soapgap::Potential::compute); this class only maps LAMMPS' atoms,
// types and neighbour list onto it.
#ifndef LMP_PAIR_SOAPGAP_H
#define LMP_PAIR_SOAPGAP_H

#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/structure.h"
#include "pair.h"

namespace soapgap {
class Potential;
struct PredictOptions;
struct Prediction;
}  // namespace soapgap

namespace LAMMPS_NS {

class PairSoapGap : public Pair {
 public:
  PairSoapGap(class LAMMPS *);
  ~PairSoapGap() override;
  void compute(int, int) override;
  void settings(int, char **) override;
  void coeff(int, char **) override;
  void init_style() override;
  double init_one(int, int) override;
  // fix pair's channel (LAMMPS 15Sep2022 and later): `fix ID all pair N soapgap variance 1` sets
  // variance_flag on its steps, compute() then also predicts each local atom's variance of its
  // local energy (eV^2), and extract_peratom("variance") returns it.
  void *extract(const char *, int &) override;
#ifdef SOAPGAP_LAMMPS_EXTRACT_PERATOM
  void *extract_peratom(const char *, int &) override;
#endif

  // The potential (null before pair_coeff) and the atomic number of each LAMMPS type
  // (index 1..ntypes; 0 for NULL types). Used by the variance compute.
  const soapgap::Potential *potential() const { return potential_.get(); }
  int type_atomic_number(int type) const { return type_z_[type]; }
  double cutoff() const { return cutoff_; }

  // Predicted variance (eV^2) of the local energy of every local atom, written to
  // variance[0..nlocal-1] (0 for atoms of NULL types), from the current positions and the
  // pair style's neighbour list. Used by compute soapgap/variance/atom.
  void local_variance(double *variance, const std::vector<int> &terms = {});

  // Predicted variance (eV^2) of the total soapgap energy of the whole system (all ranks; the
  // same value on every rank). Its prior part sums the kernel over all pairs of environments,
  // so it gathers every rank's descriptors: O(N^2 D) time and O(N D) memory for N atoms.
  double energy_variance(const std::vector<int> &terms = {});

  // The predicted 3 x 3 covariance (eV^2/A^2, row-major) of every local atom's force, written
  // to covariance[i][0..8] (0 for atoms of NULL types). A force sums environments centred on
  // neighbours, so this needs them all on this rank: one MPI rank only (an error otherwise).
  void force_covariance(double **covariance, const std::vector<int> &terms = {});

 protected:
  // LAMMPS' full neighbour list as read on the host: firstneigh[i][jj] (host lists) or a
  // strided 2-D array neighbours[i * stride_i + jj * stride_jj] (a Kokkos list copied to the host).
  struct HostNeighbours {
    int inum = 0;
    const int *ilist = nullptr, *numneigh = nullptr;
    int *const *firstneigh = nullptr;
    const int *neighbours = nullptr;
    long stride_i = 0, stride_jj = 0;
    int operator()(int i, int jj) const {
      return firstneigh ? firstneigh[i][jj] : neighbours[i * stride_i + jj * stride_jj];
    }
  };
  // The neighbour list of this pair style with atom->x and atom->type current on the host.
  // The Kokkos style overrides it (sync to the host, copy of its device list).
  virtual HostNeighbours host_neighbours();

  void allocate();
  void check_variance_data(const char *who) const;
  // Maps LAMMPS' atoms and full neighbour list onto the library's input: the structure
  // (centres first, then ghost atoms) and its neighbour list; lammps_of[c] is the LAMMPS
  // index of centre c. Ghost atom g (index nlocal + g) is structure atom n_centres + g.
  void build_input(soapgap::Structure &s, std::vector<int> &lammps_of, std::vector<int> &start,
                   std::vector<int> &neighbour, std::vector<Eigen::Vector3d> &rvec);
  // Throws soapgap::GeometryError naming the atom IDs of LAMMPS atoms i and j, r apart.
  [[noreturn]] void throw_overlap(int i, int j, double r) const;
  // Collective: if any rank has a non-empty problem, every rank stops with error->all and the
  // first such rank's message.
  void error_on_all_ranks(const std::string &problem);
  // build_input() + the library's Potential::compute() with options; errors become LAMMPS
  // errors prefixed with who (collectively). n_structure: atoms of the library structure.
  soapgap::Prediction evaluate(const soapgap::PredictOptions &options, std::vector<int> &lammps_of, int &n_structure,
                               const char *who);
  std::shared_ptr<const soapgap::Potential> potential_;
  std::vector<int> type_z_;
  double cutoff_ = 0.0;
  std::string file_;
  int variance_flag_ = 0;                 // set by fix pair for the next compute()
  std::vector<double> peratom_variance_;  // eV^2, local atoms, from the last flagged compute()
};

}  // namespace LAMMPS_NS

#endif
