#include "report/stats.hpp"

#include <cmath>

#include <fmt/format.h>

namespace pulab::report {

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n > 1) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(ss / static_cast<double>(s.n - 1));
  }
  return s;
}

std::string format_summary(const Summary& s, int digits, double scale) {
  if (s.n == 0) return "–";
  if (s.n == 1) return fmt::format("{:.{}f} (1)", s.mean * scale, digits);
  return fmt::format("{:.{}f} ± {:.{}f} ({})", s.mean * scale, digits, s.std * scale, digits, s.n);
}

}  // namespace pulab::report
