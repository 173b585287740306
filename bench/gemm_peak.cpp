// The hardware-efficiency yardstick: the GFLOP/s that LibTorch's matrix product (OpenBLAS for
// float32 here) reaches on this machine with a given thread count, for a large square product
// (the peak) and for the shapes of the MNIST MLP's training step (batch 250, 784-300-300).
// Prints one JSON line; bench/run.py divides the training step's FLOP rate by the peak.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

namespace {

// Median GFLOP/s of `reps` products of [m, k] x [k, n] after one warm-up.
double gflops(std::int64_t m, std::int64_t k, std::int64_t n, at::ScalarType dtype, int reps) {
  const auto a = at::randn({m, k}).to(dtype), b = at::randn({k, n}).to(dtype);
  auto c = at::mm(a, b);
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(2.0 * double(m) * double(k) * double(n) / s / 1e9);
  }
  std::nth_element(rates.begin(), rates.begin() + long(rates.size() / 2), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::stoi(argv[1]) : 1;
  at::set_num_threads(threads);
  at::manual_seed(0);
  const double peak = gflops(2048, 2048, 2048, at::kFloat, 7);
  const double step_784 = gflops(250, 784, 300, at::kFloat, 301);
  const double step_300 = gflops(250, 300, 300, at::kFloat, 301);
  const double peak_bf16 = gflops(2048, 2048, 2048, at::kBFloat16, 7);
  std::printf("{\"threads\": %d, \"peak_gflops\": %.2f, \"mlp_shape_784_gflops\": %.2f, "
              "\"mlp_shape_300_gflops\": %.2f, \"peak_bf16_gflops\": %.2f}\n",
              threads, peak, step_784, step_300, peak_bf16);
  return 0;
}
