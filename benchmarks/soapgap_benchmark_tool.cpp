// soapgap_benchmark_tool: helpers of benchmarks/run.
//   soapgap_benchmark_tool model NAME OUT.xml      writes benchmark model NAME (gap18, small)
//   soapgap_benchmark_tool dgemm NAME [ROWS]        prints the DGEMM rate (GFLOP/s, best of 5) of
//                                                  NAME's kernel products for ROWS rows [512],
//                                                  with the threads OpenBLAS is given
#include <cstdio>
#include <cstdlib>
#include <string>

#include "benchmark_models.h"
#include "io/potential_file.h"

int main(int argc, char** argv) {
  using namespace soapgap::bench;
  const std::string cmd = argc > 1 ? argv[1] : "";
  const ModelSpec* m = argc > 2 ? find_model(argv[2]) : nullptr;
  if (!m || (cmd == "model" && argc != 4) || (cmd == "dgemm" && argc > 4) || (cmd != "model" && cmd != "dgemm")) {
    std::fprintf(stderr, "usage: soapgap_benchmark_tool model {gap18|small} OUT.xml | dgemm {gap18|small} [ROWS]\n");
    return 2;
  }
  if (cmd == "model") {
    soapgap::write_potential(argv[3], model_data(static_cast<int>(m - kModels)));
    std::printf("%s: %s (D=%d, M=%d)\n", argv[3], term_spec(*m).c_str(), m->dimension(), m->n_sparse);
    return 0;
  }
  const int rows = argc > 3 ? std::atoi(argv[3]) : 512;
  if (rows < 1) return 2;
  std::printf("%.3f\n", dgemm_gflops(*m, rows, 5));
  return 0;
}
