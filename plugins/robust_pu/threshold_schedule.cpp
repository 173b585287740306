// Robust-PU's training scheduler (Zhu et al., KDD 2023): the self-paced threshold lambda of the
// k-th episode (0-based), growing from `start` to `max` so that harder samples enter over time
// (labeled positives and unlabeled samples each have their own schedule):
//   const    lambda = start
//   linear   lambda = start + (max - start) k / K
//   convex   lambda = start + (max - start) sin(pi/2 * min(k, K) / K)     (fast, then slow)
//   concave  lambda = start + (max - start) (1 - base^k)                  (fast, then slow)
//   exp      lambda = start * rate^k
// then clamped at max (from below when start <= max, from above when a schedule shrinks). K is
// `grow_episodes`. Formulas and names from the authors' code (spl_utills.py, TrainingScheduler,
// whose first call gives lambda(0) = start); the names "convex"/"concave" are the code's.
// Choice: `convex` holds max after K episodes (min(k, K)); the code's sin(pi/2 k/K) falls again
// after K (back to start at k = 2K), which the clamp at max does not catch. The code's root-p,
// geometric and cosine schedules are not provided.
#include <algorithm>
#include <cmath>

#include <pulab/error.hpp>

#include "robust_pu.hpp"

namespace pulab_robust_pu {

ThresholdSchedule::Kind ThresholdSchedule::parse(const std::string& name) {
  if (name == "const") return Kind::Const;
  if (name == "linear") return Kind::Linear;
  if (name == "convex") return Kind::Convex;
  if (name == "concave") return Kind::Concave;
  if (name == "exp") return Kind::Exp;
  throw pulab::Error("unknown schedule '" + name + "' (expected const, linear, convex, concave or exp)");
}

double ThresholdSchedule::at(std::int64_t episode) const {
  const double k = double(episode), span = max - start;
  const double progress = std::min(k, double(grow)) / double(grow);
  double lambda = start;
  switch (kind) {
    case Kind::Const: return start;
    case Kind::Linear: lambda = start + span * k / double(grow); break;
    case Kind::Convex: lambda = start + span * std::sin(M_PI / 2 * progress); break;
    case Kind::Concave: lambda = start + span * (1.0 - std::pow(base, k)); break;
    case Kind::Exp: lambda = start * std::pow(rate, k); break;
  }
  return start <= max ? std::min(lambda, max) : std::max(lambda, max);
}

}  // namespace pulab_robust_pu
