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

#include "pair.h"

namespace soapgap {
class Potential;
}

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

  // The potential (null before pair_coeff) and the atomic number of each LAMMPS type
  // (index 1..ntypes; 0 for NULL types). Used by the variance compute.
  const soapgap::Potential *potential() const { return potential_.get(); }
  int type_atomic_number(int type) const { return type_z_[type]; }
  double cutoff() const { return cutoff_; }

 protected:
  void allocate();
  std::shared_ptr<const soapgap::Potential> potential_;
  std::vector<int> type_z_;
  double cutoff_ = 0.0;
  std::string file_;
};

}  // namespace LAMMPS_NS

#endif
