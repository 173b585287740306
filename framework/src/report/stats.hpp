#pragma once
// `pulab report`: mean and sample standard deviation over seeds.
#include <cstddef>
#include <string>
#include <vector>

namespace pulab::report {

struct Summary {
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1); 0 when n < 2
  std::size_t n = 0;
};

Summary summarize(const std::vector<double>& values);

// "96.40 ± 0.35 (3)" with `digits` decimals, values scaled by `scale` (100: fractions to
// percent); "96.40 (1)" for a single value; "–" for none.
std::string format_summary(const Summary& s, int digits, double scale = 100.0);

}  // namespace pulab::report
