// SOAP-GAP prediction benchmark: descriptor, reverse-mode derivatives, batched kernel and a
// whole Potential::predict, each per atom and in units of the GEMM floor of design §6:
//
//   floor per atom = 4 M D FLOP / (DGEMM rate of this machine, measured in this process)
//
// (2 M D for eps = (Q X^T)^zeta beta, 2 M D for its gradient G = (...) X.) The DGEMM rate is
// measured once at start-up (best of a few repeats of the kernel's own two products) so that
// every ratio printed is a ratio of two numbers measured in the same run.
//
// Models: "gap18" (n_max=10, l_max=12, D=715, M=9000) and "small" (n_max=l_max=6, D=147,
// M=1000), both cutoff 5 A, transition width 1, atom_sigma 0.5, zeta=4, delta=1, on bulk
// diamond Si (a = 5.43 A, default 4x4x4 conventional cells = 512 atoms).
//
// Own flags (removed before Google Benchmark sees the rest):
//   --cells=N         N x N x N conventional diamond cells (8 N^3 atoms; default 4)
//   --no_summary      do not print the summary table at the end
// Threads: OpenMP (descriptor, backprop) and OpenBLAS (GEMMs) take OMP_NUM_THREADS /
// OPENBLAS_NUM_THREADS from the environment; run_benchmarks.sh runs default and 1 thread.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../tests/test_structures.h"
#include "benchmark_models.h"
#include "core/random.h"
#include "descriptors/soap.h"
#include "kernels/kernel.h"
#include "model/potential.h"
#include "neighbours/neighbour_list.h"

// OpenBLAS's thread count, when OpenBLAS is what Eigen calls (weak: absent otherwise).
extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace {

int blas_threads() { return openblas_get_num_threads ? openblas_get_num_threads() : 0; }

using soapgap::RowMatrix;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ------------------------------------------------------------------------------------------
// Models and the shared test system.

using soapgap::bench::kModels;
using soapgap::bench::kNumModels;
using soapgap::bench::ModelSpec;
using soapgap::bench::random_sparse_points;
using soapgap::bench::random_vector;
using soapgap::bench::term_spec;

int g_cells = 4;  // conventional cells per direction

// Everything a model's benchmarks need, built on first use (so that a --benchmark_filter that
// skips a model does not pay for it).
struct Fixture {
  const ModelSpec* spec = nullptr;
  soapgap::Structure structure;
  std::unique_ptr<soapgap::SoapDescriptor> descriptor;
  std::unique_ptr<soapgap::NeighbourList> nl;
  soapgap::Environments env;  // SOAP vectors of the cell
  Eigen::MatrixXd X;          // M x D sparse points
  Eigen::VectorXd alpha;      // M weights
  RowMatrix dE_dq;            // random dE/dq, n_atoms x D
  std::unique_ptr<soapgap::DotProductKernel> kernel;
  std::unique_ptr<soapgap::Potential> potential;

  int n_atoms() const { return structure.size(); }
  int dim() const { return descriptor->dimension(); }
  int n_sparse() const { return static_cast<int>(X.rows()); }
  // FLOP per atom of the kernel and its gradient: 2 GEMMs of 2 M D each.
  double floor_flop_per_atom() const { return 4.0 * n_sparse() * dim(); }
};

Fixture& fixture(int model) {
  static std::unique_ptr<Fixture> cache[kNumModels];
  if (!cache[model]) {
    auto f = std::make_unique<Fixture>();
    const ModelSpec& m = kModels[model];
    f->spec = &m;
    f->structure = soapgap::testing::diamond(5.43, g_cells);
    soapgap::SoapParameters p;
    p.n_max = m.n_max;
    p.l_max = m.l_max;
    p.cutoff = 5.0;
    p.cutoff_transition_width = 1.0;
    p.atom_sigma = 0.5;
    p.central_weight = 1.0;
    p.species = {14};
    f->descriptor = std::make_unique<soapgap::SoapDescriptor>(p);
    f->nl = std::make_unique<soapgap::NeighbourList>(f->structure, p.cutoff);
    f->env = f->descriptor->compute(f->structure, *f->nl);
    const int dim = f->descriptor->dimension();
    f->X = random_sparse_points(m.n_sparse, dim, 1000 + model);
    f->alpha = random_vector(m.n_sparse, 1e-3, 2000 + model);
    f->dE_dq = RowMatrix(f->n_atoms(), dim);
    soapgap::Random rng(3000 + model);
    for (int i = 0; i < f->dE_dq.rows(); ++i)
      for (int d = 0; d < dim; ++d) f->dE_dq(i, d) = 2.0 * rng.uniform() - 1.0;
    f->kernel = std::make_unique<soapgap::DotProductKernel>(1.0, 4);

    const soapgap::PotentialData data = soapgap::bench::model_data(model);
    f->potential = std::make_unique<soapgap::Potential>(data);
    cache[model] = std::move(f);
  }
  return *cache[model];
}

// ------------------------------------------------------------------------------------------
// DGEMM rate: the kernel's two products, Gm = Q X^T (N x D . D x M) and G = Gm X
// (N x M . M x D), with Q row-major and X, Gm column-major exactly as in
// DotProductKernel::values_and_gradients. 4 N M D FLOP per call.

struct GemmOperands : soapgap::bench::GemmOperands {
  using soapgap::bench::GemmOperands::GemmOperands;
  void run() {
    soapgap::bench::GemmOperands::run();
    benchmark::DoNotOptimize(G.data());
    benchmark::ClobberMemory();
  }
};

int n_atoms_of_cell() { return 8 * g_cells * g_cells * g_cells; }

// Wall time (what the benchmarks report) and process CPU time (all threads; on a shared,
// oversubscribed machine the 1-thread CPU time is the load-independent measure of work).
double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Elapsed {
  double wall = 0, cpu = 0;
};

class Lap {
 public:
  Lap() : wall0_(Clock::now()), cpu0_(process_cpu_seconds()) {}
  void add_to(Elapsed& e) const {
    e.wall += seconds_since(wall0_);
    e.cpu += process_cpu_seconds() - cpu0_;
  }

 private:
  Clock::time_point wall0_;
  double cpu0_;
};

// DGEMM rate, measured once before any benchmark runs: best of `repeats` after one warm-up
// call, in FLOP per wall second and (separately best) per process-CPU second.
double g_dgemm_gflops = 0.0, g_dgemm_cpu_gflops = 0.0;

void measure_dgemm_rate(int repeats) {
  const ModelSpec& m = kModels[0];
  GemmOperands ops(n_atoms_of_cell(), m.n_max * (m.n_max + 1) / 2 * (m.l_max + 1), m.n_sparse);
  ops.run();
  double best_wall = 1e300, best_cpu = 1e300;
  for (int r = 0; r < repeats; ++r) {
    Elapsed e;
    Lap lap;
    ops.run();
    lap.add_to(e);
    best_wall = std::min(best_wall, e.wall);
    best_cpu = std::min(best_cpu, e.cpu);
  }
  g_dgemm_gflops = ops.flop() / best_wall * 1e-9;
  g_dgemm_cpu_gflops = ops.flop() / best_cpu * 1e-9;
}

// Floor time per atom (us) of a model at the start-up DGEMM rate (wall and CPU).
double floor_us_per_atom(const Fixture& f) { return f.floor_flop_per_atom() / (g_dgemm_gflops * 1e9) * 1e6; }
double floor_cpu_us_per_atom(const Fixture& f) { return f.floor_flop_per_atom() / (g_dgemm_cpu_gflops * 1e9) * 1e6; }

// Sets the per-atom counters of a benchmark from the time measured around its work.
void set_per_atom_counters(benchmark::State& state, const Fixture& f, const Elapsed& e) {
  const double per = 1e6 / (static_cast<double>(state.iterations()) * f.n_atoms());
  const double us = e.wall * per, floor = floor_us_per_atom(f);
  state.counters["us_per_atom"] = us;
  state.counters["floor_us"] = floor;
  state.counters["x_floor"] = us / floor;
  state.counters["cpu_us_per_atom"] = e.cpu * per;
  state.counters["cpu_x_floor"] = e.cpu * per / floor_cpu_us_per_atom(f);
}

// ------------------------------------------------------------------------------------------
// Benchmarks (registered in main for every model: BM_<name>/<model>). Set-up (fixture,
// neighbour list for the backprop and kernel benchmarks) happens outside the timed loop.

void BM_DgemmRate(benchmark::State& state, int model) {
  const ModelSpec& m = kModels[model];
  const int dim = m.n_max * (m.n_max + 1) / 2 * (m.l_max + 1);
  GemmOperands ops(n_atoms_of_cell(), dim, m.n_sparse);
  Elapsed e;
  for (auto _ : state) {
    Lap lap;
    ops.run();
    lap.add_to(e);
  }
  state.counters["GFLOPs"] = ops.flop() * state.iterations() / e.wall * 1e-9;
  state.counters["cpu_GFLOPs"] = ops.flop() * state.iterations() / e.cpu * 1e-9;
  state.counters["startup_GFLOPs"] = g_dgemm_gflops;
  state.SetLabel(std::to_string(n_atoms_of_cell()) + "x" + std::to_string(dim) + "." + std::to_string(dim) + "x" +
                 std::to_string(m.n_sparse) + " + back");
}

// Neighbour list + SoapDescriptor::compute(). Also reports the neighbour-list share.
void BM_SoapDescriptor(benchmark::State& state, int model) {
  Fixture& f = fixture(model);
  Elapsed e, e_nl;
  for (auto _ : state) {
    Lap lap;
    soapgap::NeighbourList nl(f.structure, f.descriptor->cutoff());
    lap.add_to(e_nl);
    soapgap::Environments env = f.descriptor->compute(f.structure, nl);
    benchmark::DoNotOptimize(env.q.data());
    lap.add_to(e);
  }
  set_per_atom_counters(state, f, e);
  state.counters["nl_us_per_atom"] = e_nl.wall * 1e6 / (static_cast<double>(state.iterations()) * f.n_atoms());
}

// SoapDescriptor::backpropagate() with a random dE/dq (neighbour list and q precomputed).
void BM_SoapBackprop(benchmark::State& state, int model) {
  Fixture& f = fixture(model);
  const Eigen::VectorXd dE_dw = Eigen::VectorXd::Zero(f.n_atoms());
  soapgap::MatrixX3 dE_dr(f.nl->n_entries(), 3);
  Elapsed e;
  for (auto _ : state) {
    Lap lap;
    dE_dr.setZero();
    f.descriptor->backpropagate(f.structure, *f.nl, f.env, f.dE_dq, dE_dw, dE_dr);
    benchmark::DoNotOptimize(dE_dr.data());
    lap.add_to(e);
  }
  set_per_atom_counters(state, f, e);
}

// DotProductKernel(delta=1, zeta=4)::values_and_gradients, Q = the cell's SOAP vectors.
void BM_KernelAndGradient(benchmark::State& state, int model) {
  Fixture& f = fixture(model);
  Eigen::VectorXd eps;
  RowMatrix G;
  Elapsed e;
  for (auto _ : state) {
    Lap lap;
    f.kernel->values_and_gradients(f.env.q, f.X, f.alpha, eps, G);
    benchmark::DoNotOptimize(G.data());
    lap.add_to(e);
  }
  set_per_atom_counters(state, f, e);
  state.counters["GFLOPs"] = f.floor_flop_per_atom() * f.n_atoms() * state.iterations() / e.wall * 1e-9;
}

// Potential::predict: energy, forces and virial (everything from the positions).
void BM_PotentialPredict(benchmark::State& state, int model) {
  Fixture& f = fixture(model);
  Elapsed e;
  for (auto _ : state) {
    Lap lap;
    soapgap::Prediction pred = f.potential->predict(f.structure);
    benchmark::DoNotOptimize(pred.forces.data());
    benchmark::DoNotOptimize(pred.energy);
    lap.add_to(e);
  }
  set_per_atom_counters(state, f, e);
}

// ------------------------------------------------------------------------------------------
// Console output plus collection of the counters for the summary table.

class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  CollectingReporter() : benchmark::ConsoleReporter(OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    // Single runs and repetitions are collected; a "median" aggregate (with
    // --benchmark_repetitions) replaces them (it is all that arrives here with
    // --benchmark_display_aggregates_only).
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const std::string& name = r.run_name.function_name;
      if (r.run_type == Run::RT_Iteration) {
        for (const auto& c : r.counters) values_[name][c.first].push_back(c.second.value);
      } else if (r.aggregate_name == "median") {
        for (const auto& c : r.counters) medians_[name][c.first] = c.second.value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // Median over repetitions of counter `key` of benchmark `name`; negative if absent.
  double get(const std::string& name, const std::string& key) const {
    auto mt = medians_.find(name);
    if (mt != medians_.end() && mt->second.count(key)) return mt->second.at(key);
    auto it = values_.find(name);
    if (it == values_.end()) return -1;
    auto jt = it->second.find(key);
    if (jt == it->second.end() || jt->second.empty()) return -1;
    std::vector<double> v = jt->second;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  }

 private:
  std::map<std::string, std::map<std::string, std::vector<double>>> values_;
  std::map<std::string, std::map<std::string, double>> medians_;
};

// One table: per model desc, backprop, kernel, predict (us/atom), DGEMM rate, floor,
// predict/floor and the split of desc+backprop vs kernel. `prefix` selects the wall-time
// counters ("") or the process-CPU ones ("cpu_").
void print_table(const CollectingReporter& rep, const char* title, const std::string& prefix, double gflops) {
  std::printf("%s\n", title);
  std::printf("%-32s %9s %9s %9s %9s %8s %9s %8s %14s\n", "model", "desc", "backprop", "kernel", "predict", "DGEMM",
              "floor", "predict/", "desc+bp : ker");
  std::printf("%-32s %9s %9s %9s %9s %8s %9s %8s %14s\n", "", "us/atom", "us/atom", "us/atom", "us/atom", "GFLOP/s",
              "us/atom", "floor", "(% of sum)");
  auto fmt = [](double v, const char* f) {
    char out[32];
    if (v < 0)
      std::snprintf(out, sizeof out, "-");
    else
      std::snprintf(out, sizeof out, f, v);
    return std::string(out);
  };
  for (int m = 0; m < kNumModels; ++m) {
    const ModelSpec& s = kModels[m];
    const std::string sfx = std::string("/") + s.name, key = prefix + "us_per_atom";
    const double desc = rep.get("BM_SoapDescriptor" + sfx, key);
    const double bp = rep.get("BM_SoapBackprop" + sfx, key);
    const double ker = rep.get("BM_KernelAndGradient" + sfx, key);
    const double pred = rep.get("BM_PotentialPredict" + sfx, key);
    const int dim = s.n_max * (s.n_max + 1) / 2 * (s.l_max + 1);
    const double floor = 4.0 * s.n_sparse * dim / (gflops * 1e9) * 1e6;
    char label[64];
    std::snprintf(label, sizeof label, "%s (n%d l%d D=%d M=%d)", s.name, s.n_max, s.l_max, dim, s.n_sparse);
    std::string split = "-";
    if (desc > 0 && bp > 0 && ker > 0) {
      const double sum = desc + bp + ker;
      split = fmt(100 * (desc + bp) / sum, "%.0f%%") + " : " + fmt(100 * ker / sum, "%.0f%%");
    }
    std::printf("%-32s %9s %9s %9s %9s %8.1f %9s %8s %14s\n", label, fmt(desc, "%.1f").c_str(), fmt(bp, "%.1f").c_str(),
                fmt(ker, "%.1f").c_str(), fmt(pred, "%.1f").c_str(), gflops, fmt(floor, "%.2f").c_str(),
                fmt(pred > 0 ? pred / floor : -1, "%.2f").c_str(), split.c_str());
  }
}

void print_summary(const CollectingReporter& rep) {
  const ModelSpec& big = kModels[0];
  const int dim = big.n_max * (big.n_max + 1) / 2 * (big.l_max + 1);
  std::printf(
      "\n==== soapgap SOAP-GAP summary: %d OpenMP / %d OpenBLAS thread(s), %d atoms (diamond Si, %dx%dx%d cells) "
      "====\n",
      omp_get_max_threads(), blas_threads(), n_atoms_of_cell(), g_cells, g_cells, g_cells);
  std::printf("DGEMM (start-up, best of 5, %dx%d.%dx%d + back): %.1f GFLOP/s wall, %.1f GFLOP/s per CPU second\n",
              n_atoms_of_cell(), dim, dim, big.n_sparse, g_dgemm_gflops, g_dgemm_cpu_gflops);
  print_table(rep, "-- wall time --", "", g_dgemm_gflops);
  print_table(rep, "-- process CPU time, all threads (core-us/atom; load-independent at 1 thread) --", "cpu_",
              g_dgemm_cpu_gflops);
  std::printf("floor = 4 M D FLOP per atom / DGEMM rate; desc includes the neighbour list.\n");
  std::printf("==== end of summary ====\n");
}

}  // namespace

int main(int argc, char** argv) {
  bool summary = true;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strncmp(argv[i], "--cells=", 8) == 0) {
      g_cells = std::max(1, std::atoi(argv[i] + 8));
    } else if (i > 0 && std::strcmp(argv[i], "--no_summary") == 0) {
      summary = false;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n_args = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n_args, args.data());
  if (benchmark::ReportUnrecognizedArguments(n_args, args.data())) return 1;

  measure_dgemm_rate(5);
  std::fprintf(stderr,
               "soapgap bench: %d OpenMP / %d OpenBLAS thread(s), %d atoms, DGEMM %.1f GFLOP/s (start-up, best of 5)\n",
               omp_get_max_threads(), blas_threads(), n_atoms_of_cell(), g_dgemm_gflops);

  using Fn = void (*)(benchmark::State&, int);
  const std::pair<const char*, Fn> benches[] = {{"BM_DgemmRate", BM_DgemmRate},
                                                {"BM_SoapDescriptor", BM_SoapDescriptor},
                                                {"BM_SoapBackprop", BM_SoapBackprop},
                                                {"BM_KernelAndGradient", BM_KernelAndGradient},
                                                {"BM_PotentialPredict", BM_PotentialPredict}};
  for (int m = 0; m < kNumModels; ++m)
    for (const auto& b : benches) {
      const std::string name = std::string(b.first) + "/" + kModels[m].name;
      benchmark::RegisterBenchmark(name.c_str(), b.second, m)->UseRealTime()->Unit(benchmark::kMillisecond);
    }

  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (summary) print_summary(reporter);
  benchmark::Shutdown();
  return 0;
}
