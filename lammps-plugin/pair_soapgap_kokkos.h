// pair_style soapgap/kk: the soapgap potential evaluated with Kokkos (LAMMPS KOKKOS package).
//
//   lmp -k on t 2 -sf kk -in in.file          (in.file: plugin load soapgapkkplugin.so,
//                                               pair_style soapgap, pair_coeff * * Si.xml Si)
//
// Registered by soapgapkkplugin.so as soapgap/kk, soapgap/kk/host and, with a GPU backend,
// soapgap/kk/device (as LAMMPS' own Kokkos styles: PairStyle(sw/kk, PairSWKokkos<LMPDeviceType>)).
// Settings, pair_coeff, the potential file and the type mapping are the host class's
// (PairSoapGap); this class copies the model into Kokkos Views once per pair_coeff and evaluates
// energies, forces, the global virial and per-atom energies/virials on the device from LAMMPS'
// full Kokkos neighbour list (stages: soapgap_kokkos_terms.h). The variance compute
// (compute soapgap/variance/atom) runs the host library on the same neighbour list, copied
// to the host (host_neighbours()).
#ifndef LMP_PAIR_SOAPGAP_KOKKOS_H
#define LMP_PAIR_SOAPGAP_KOKKOS_H

#include <vector>

#include "kokkos_type.h"
#include "pair_soapgap.h"
#include "soapgap_kokkos_terms.h"  // first: defines SOAPGAP_INLINE for soap_math.h

namespace soapgap {
class Term;
}

namespace LAMMPS_NS {

template <class DeviceType>
class PairSoapGapKokkos : public PairSoapGap {
 public:
  typedef DeviceType device_type;
  typedef ArrayTypes<DeviceType> AT;

  PairSoapGapKokkos(class LAMMPS *);
  ~PairSoapGapKokkos() override;
  void compute(int, int) override;
  void coeff(int, char **) override;
  void init_style() override;
  // Atoms on top of each other would give NaN forces silently: the smallest squared distance of
  // the neighbour list (one pass on the device); below the library's minimum distance every rank
  // stops with the host style's message (atom IDs, found on the host copy of the list).
  // (Public: nvcc allows no device lambda in a private member function.)
  void check_overlaps(const soapgap_kk::AtomsKK<DeviceType> &a);

 protected:
  HostNeighbours host_neighbours() override;

 private:
  // Copies the potential (e0, the terms' tables, sparse points and weights) into Views: one
  // function per term kind (the descriptor's type() names it; its kernel is checked there).
  void setup_terms();
  void setup_soap_term(int index, const soapgap::Term &term);
  void setup_pair_term(int index, const soapgap::Term &term);

  std::vector<soapgap_kk::SoapTermKokkos<DeviceType>> soap_terms_;
  std::vector<soapgap_kk::PairTermKokkos<DeviceType>> pair_terms_;
  soapgap_kk::View1<DeviceType> e0_of_type_;
  soapgap_kk::View1<DeviceType> ecentre_;

  DAT::tdual_efloat_1d k_eatom;
  DAT::tdual_virial_array k_vatom;
  typename AT::t_efloat_1d d_eatom;
  typename AT::t_virial_array d_vatom;

  // Host copies of the Kokkos neighbour list for host_neighbours().
  typename AT::t_int_1d::HostMirror h_ilist_, h_numneigh_;
  typename AT::t_neighbors_2d::HostMirror h_neighbors_;
};

}  // namespace LAMMPS_NS

#endif
