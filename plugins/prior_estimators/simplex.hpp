#pragma once
// The quadratic program of KM1/KM2: the distance, in a kernel's feature space, from a signed
// combination of points to the convex hull of the points.
#include <torch/types.h>

namespace pulab_prior {

// Euclidean projection of v onto the probability simplex {w >= 0, sum w = 1} (the sort-based
// algorithm: w = max(v - tau, 0) with tau chosen so that the result sums to 1).
torch::Tensor project_to_simplex(const torch::Tensor& v);

struct SimplexQpResult {
  torch::Tensor w;          // the minimiser
  double squared_distance;  // (u - w)' K (u - w), >= 0
  double gap;               // Frank-Wolfe duality gap at w: an upper bound on the objective's excess
  int iterations;
};

// min_{w in simplex} (u - w)' K (u - w) for a positive semi-definite K (float64), by accelerated
// projected gradient (FISTA with restarts) from `start` (the uniform weights when undefined),
// until the duality gap certifies the DISTANCE (the square root of the objective) to within
// `distance_tolerance` (sqrt(f) - sqrt(f - gap) <= it), or max_iterations.
// lipschitz = 2 * the largest eigenvalue of K.
SimplexQpResult nearest_in_simplex(const torch::Tensor& K, const torch::Tensor& u, double lipschitz,
                                   const torch::Tensor& start, double distance_tolerance = 1e-4,
                                   int max_iterations = 20000);

// The largest eigenvalue of a positive semi-definite matrix (power iteration).
double largest_eigenvalue(const torch::Tensor& K, int iterations = 100);

}  // namespace pulab_prior
