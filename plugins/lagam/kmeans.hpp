#pragma once
// k-means for LaGAM's latent groups (regularizer `lagam_contrast`, latent_groups.cpp), header-only
// so tests/test_method_lagam_contrast.cpp checks it on tiny cases. Lloyd's algorithm: with
// centroids c_1..c_k, each iteration assigns every row x_i to argmin_j ||x_i - c_j||^2 (the first
// index on ties) and moves each c_j to the mean of its rows; it stops after `iterations`
// iterations or when no centroid moved. `restarts` independent runs, the one with the smallest
// inertia sum_i min_j ||x_i - c_j||^2 is kept (first on ties). The final assignment is to the
// final centroids.
// Where the authors' code (utils/utils_algo.py, run_kmeans: faiss.Clustering, niter = 20,
// nredo = 5, max_points_per_centroid = 1000, L2 index) differs or leaves a choice:
//   - initialisation: Init::Random picks k distinct rows uniformly (faiss's default, a random
//     permutation), Init::PlusPlus is k-means++ (Arthur & Vassilvitskii 2007: the first centroid
//     uniform, each next one a row drawn with probability proportional to its squared distance to
//     the nearest chosen centroid; uniform when every distance is 0). Randomness only from the
//     global LibTorch generator (torch::randperm, torch::randint, torch::multinomial);
//   - an empty cluster takes the row farthest from its assigned centroid (each row at most once per
//     iteration; deterministic); faiss splits a large cluster instead;
//   - every row trains the centroids (faiss subsamples to k * max_points_per_centroid rows);
//   - k larger than the number of rows is reduced to it.
// Distances are computed as ||x||^2 - 2 x.c + ||c||^2 (clamped at 0) in x's dtype.
#include <algorithm>
#include <cstdint>
#include <limits>

#include <torch/types.h>

namespace pulab_lagam {

struct KMeansResult {
  torch::Tensor assignment;  // int64 [n]: the cluster of each row
  torch::Tensor centroids;   // [k, d]
  double inertia = 0;        // sum of squared distances of the rows to their centroids
};

enum class KMeansInit { Random, PlusPlus };

// [n, k] squared Euclidean distances of the rows of x to the rows of c.
inline torch::Tensor squared_distances(const torch::Tensor& x, const torch::Tensor& c) {
  return (x.pow(2).sum(1, true) - 2 * x.matmul(c.t()) + c.pow(2).sum(1).unsqueeze(0)).clamp_min(0);
}

inline torch::Tensor kmeans_initial_centroids(const torch::Tensor& x, std::int64_t k, KMeansInit init) {
  const std::int64_t n = x.size(0);
  const auto longs = torch::TensorOptions().dtype(torch::kLong);
  if (init == KMeansInit::Random) {
    const auto pick = torch::randperm(n, longs).slice(0, 0, k).to(x.device());
    return x.index_select(0, pick).clone();
  }
  auto centroids = torch::empty({k, x.size(1)}, x.options());
  centroids[0].copy_(x[torch::randint(n, {1}, longs).item<std::int64_t>()]);
  auto nearest = squared_distances(x, centroids.slice(0, 0, 1)).select(1, 0);
  for (std::int64_t j = 1; j < k; ++j) {
    const auto weights = nearest.to(torch::kDouble).cpu();
    const std::int64_t next = weights.sum().item<double>() > 0
                                  ? torch::multinomial(weights, 1).item<std::int64_t>()
                                  : torch::randint(n, {1}, longs).item<std::int64_t>();
    centroids[j].copy_(x[next]);
    nearest = torch::min(nearest, squared_distances(x, centroids.slice(0, j, j + 1)).select(1, 0));
  }
  return centroids;
}

// One Lloyd run from `centroids` (updated in place).
inline void lloyd(const torch::Tensor& x, torch::Tensor& centroids, std::int64_t iterations) {
  const std::int64_t k = centroids.size(0);
  for (std::int64_t it = 0; it < iterations; ++it) {
    const auto d = squared_distances(x, centroids);
    const auto assignment = d.argmin(1);
    const auto counts = torch::bincount(assignment, {}, k);
    auto sums = torch::zeros_like(centroids).index_add_(0, assignment, x);
    auto updated = sums / counts.clamp_min(1).unsqueeze(1).to(x.dtype());
    const auto empty = (counts == 0).nonzero().reshape({-1});
    if (empty.numel() > 0) {
      auto own = d.gather(1, assignment.unsqueeze(1)).select(1, 0).clone();
      for (std::int64_t e = 0; e < empty.numel(); ++e) {
        const std::int64_t far = own.argmax().item<std::int64_t>();
        updated[empty[e].item<std::int64_t>()].copy_(x[far]);
        own[far] = -1;
      }
    }
    const bool moved = !updated.equal(centroids);
    centroids = updated;
    if (!moved) break;
  }
}

inline KMeansResult kmeans(const torch::Tensor& x, std::int64_t k, std::int64_t iterations, std::int64_t restarts,
                           KMeansInit init) {
  k = std::min<std::int64_t>(k, x.size(0));
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (std::int64_t r = 0; r < restarts; ++r) {
    auto centroids = kmeans_initial_centroids(x, k, init);
    lloyd(x, centroids, iterations);
    const auto d = squared_distances(x, centroids);
    const auto [nearest, assignment] = d.min(1);
    const double inertia = nearest.sum().item<double>();
    if (inertia < best.inertia) best = {assignment, centroids, inertia};
  }
  return best;
}

}  // namespace pulab_lagam
