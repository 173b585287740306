#include "engine/prior_estimation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/atomic_file.hpp"
#include "engine/results.hpp"
#include "engine/run_components.hpp"
#include "pulab/error.hpp"
#include "pulab/model.hpp"

namespace pulab {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The estimation's own stream of draws: the same for a run whatever ran before it in the process.
constexpr std::uint64_t kEstimationSeedOffset = 0x5052494f52ULL;  // "PRIOR"

torch::Device estimation_device(const RunSpec& spec) {
  return spec.train.device == "cuda" && torch::cuda::is_available() ? torch::Device(torch::kCUDA)
                                                                      : torch::Device(torch::kCPU);
}

// fold[i] in [0, k): a random partition into k near-equal parts.
torch::Tensor random_folds(std::int64_t n, std::int64_t k) {
  auto fold = torch::empty({n}, torch::kLong);
  fold.index_put_({torch::randperm(n, torch::kLong)}, torch::arange(n, torch::kLong).remainder(k));
  return fold;
}

// One classifier: P (label 1) against U (label 0) by the logistic loss over their union, each
// sample once per epoch (the "non-traditional classifier" of Elkan & Noto and DEDPUL: it estimates
// P(labeled | x) at the data's own class ratio rho = n_p / n_u). Class-balanced weighting was tried
// first and overfits the few positives: each epoch shows every positive n_u / n_p times, and on
// MNIST the held-out positives then scored like U (docs/methods.md).
std::shared_ptr<ScoreModel> train_classifier(const torch::Tensor& x_p, const torch::Tensor& x_u, const RunSpec& spec,
                                             const Registries& registries, const BuildContext& context,
                                             torch::Device device) {
  const auto& cfg = spec.prior_estimation;
  auto model = build_component(registries.models, spec.model, context);
  model->to(device);
  model->train();
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(cfg.classifier_lr));
  const auto x = torch::cat({x_p, x_u});
  const auto labeled = torch::cat({torch::ones({x_p.size(0)}), torch::zeros({x_u.size(0)})});
  const std::int64_t n = x.size(0), batch = cfg.classifier_batch_size;
  for (std::int64_t epoch = 0; epoch < cfg.classifier_epochs; ++epoch) {
    const auto order = torch::randperm(n, torch::kLong);
    for (std::int64_t start = 0; start < n; start += batch) {
      const auto ids = order.slice(0, start, std::min(n, start + batch));
      const auto g = model->forward(x.index_select(0, ids).to(device));
      const auto loss =
          torch::binary_cross_entropy_with_logits(g, labeled.index_select(0, ids).to(device).to(g.dtype()));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  model->eval();
  return model;
}

torch::Tensor probability_labeled(ScoreModel& model, const torch::Tensor& x, torch::Device device,
                                  std::int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (std::int64_t start = 0; start < x.size(0); start += batch_size) {
    parts.push_back(torch::sigmoid(model.forward(x.slice(0, start, start + batch_size).to(device))).cpu());
  }
  return parts.empty() ? torch::empty({0}, torch::kDouble) : torch::cat(parts).to(torch::kDouble);
}

void check_split_for_estimation(const PUData& pu, const RunSpec& spec) {
  const std::int64_t n_p = pu.x_p.size(0), n_u = pu.x_u.size(0), k = spec.prior_estimation.folds;
  if (n_u == 0) {
    throw Error("[prior_estimator] (" + spec.prior_estimation.estimator.name +
                "): the split has no unlabeled data to estimate the prior of");
  }
  if (n_p < 2 * k || n_u < 2 * k) {
    throw Error(fmt::format("[prior_estimator] ({}): {} labeled positives and {} unlabeled samples are too few for "
                            "{} folds (each fold needs at least 2 of each); lower prior_estimator.folds or label more "
                            "positives",
                            spec.prior_estimation.estimator.name, n_p, n_u, k));
  }
}

}  // namespace

OutOfFoldScores out_of_fold_scores(const PUData& pu, const RunSpec& spec, const Registries& registries,
                                   const BuildContext& context, std::uint64_t seed, bool quiet) {
  check_split_for_estimation(pu, spec);
  const auto start = Clock::now();
  torch::manual_seed(seed + kEstimationSeedOffset);
  const std::int64_t k = spec.prior_estimation.folds;
  const torch::Device device = estimation_device(spec);
  const auto fold_p = random_folds(pu.x_p.size(0), k), fold_u = random_folds(pu.x_u.size(0), k);
  OutOfFoldScores out;
  out.p = torch::empty({pu.x_p.size(0)}, torch::kDouble);
  out.u = torch::empty({pu.x_u.size(0)}, torch::kDouble);
  const std::int64_t eval_batch = std::max<std::int64_t>(spec.train.eval_batch_size, 256);
  for (std::int64_t f = 0; f < k; ++f) {
    const auto fold_start = Clock::now();
    const auto train_p = (fold_p != f).nonzero().squeeze(1), held_p = (fold_p == f).nonzero().squeeze(1);
    const auto train_u = (fold_u != f).nonzero().squeeze(1), held_u = (fold_u == f).nonzero().squeeze(1);
    auto model = train_classifier(pu.x_p.index_select(0, train_p), pu.x_u.index_select(0, train_u), spec, registries,
                                  context, device);
    out.p.index_put_({held_p}, probability_labeled(*model, pu.x_p.index_select(0, held_p), device, eval_batch));
    out.u.index_put_({held_u}, probability_labeled(*model, pu.x_u.index_select(0, held_u), device, eval_batch));
    if (!quiet) {
      fmt::print("[prior] fold {}/{}: P-vs-U classifier on {} P + {} U, {} epochs, {:.1f} s\n", f + 1, k,
                 train_p.size(0), train_u.size(0), spec.prior_estimation.classifier_epochs, seconds_since(fold_start));
      std::fflush(stdout);
    }
  }
  out.seconds = seconds_since(start);
  return out;
}

PriorEstimationOutcome run_prior_estimator(PriorEstimator& estimator, const std::string& name, const PUData& pu,
                                           const RunSpec& spec, const Registries& registries,
                                           const BuildContext& context, const OutOfFoldScores* scores, bool quiet) {
  const auto& cfg = spec.prior_estimation;
  const auto seed = static_cast<std::uint64_t>(spec.train.seed);
  PriorEstimationOutcome out;
  out.estimator = name;
  PriorEstimationInput input;
  OutOfFoldScores own;
  if (estimator.needs_classifier()) {
    if (!scores) {
      own = out_of_fold_scores(pu, spec, registries, context, seed, quiet);
      scores = &own;
    }
    input.p_scores = scores->p;
    input.u_scores = scores->u;
    out.classifier_seconds = scores->seconds;
  }
  // The classifier sees the data's own class ratio (k-1 of k folds of each class: the same ratio).
  input.labeled_to_unlabeled = double(pu.x_p.size(0)) / double(pu.x_u.size(0));
  input.x_p = pu.x_p.reshape({pu.x_p.size(0), -1}).to(torch::kFloat).cpu();
  input.x_u = pu.x_u.reshape({pu.x_u.size(0), -1}).to(torch::kFloat).cpu();
  input.seed = seed + kEstimationSeedOffset;
  const auto estimator_start = Clock::now();
  PriorEstimate estimate;
  try {
    estimate = estimator.estimate(input);
  } catch (const std::exception& e) {
    throw Error("[prior_estimator] (" + name + "): " + e.what());
  }
  // A shared classifier's time counts for every estimator that reads it.
  out.seconds = seconds_since(estimator_start) + out.classifier_seconds;
  out.raw = estimate.prior;
  out.note = estimate.note;
  if (!std::isfinite(out.raw)) {
    throw Error(fmt::format("[prior_estimator] ({}): the estimate is {} (not a number)", name, out.raw));
  }
  out.prior = std::clamp(out.raw, cfg.min_prior, cfg.max_prior);
  out.clipped = out.prior != out.raw;
  if (out.clipped) {
    const std::string what = fmt::format("[prior_estimator] ({}): the estimate {:.4f} is outside [{}, {}]", name,
                                         out.raw, cfg.min_prior, cfg.max_prior);
    if (cfg.out_of_range == "fail") throw Error(what + " (prior_estimator.out_of_range = \"fail\")");
    fmt::print(stderr, "warning: {}; the methods get {:.4f} (set prior_estimator.out_of_range = \"fail\" to stop "
                       "instead)\n", what, out.prior);
  }
  return out;
}

PriorEstimationOutcome estimate_prior(const PUData& pu, const RunSpec& spec, const Registries& registries,
                                      const BuildContext& context, bool quiet) {
  const auto& config = spec.prior_estimation.estimator;
  if (pu.x_u.size(0) == 0) check_split_for_estimation(pu, spec);
  auto estimator = build_component(registries.prior_estimators, config, context);
  return run_prior_estimator(*estimator, config.name, pu, spec, registries, context, nullptr, quiet);
}

std::filesystem::path prior_estimate_path(const RunSpec& spec) { return spec.run_dir() / "prior_estimate.json"; }

PriorEstimationOutcome estimate_prior_for_run(const PUData& pu, const RunSpec& spec, const Registries& registries,
                                              const BuildContext& context, bool quiet) {
  using nlohmann::json;
  const auto path = prior_estimate_path(spec);
  const std::string fingerprint = config_fingerprint(spec);
  if (std::ifstream in(path); in) {
    try {
      const json j = json::parse(in);
      if (j.at("fingerprint").get<std::string>() == fingerprint) {
        PriorEstimationOutcome out;
        out.estimator = j.at("estimator").get<std::string>();
        out.raw = j.at("raw").get<double>();
        out.prior = j.at("prior").get<double>();
        out.clipped = j.at("clipped").get<bool>();
        out.note = j.at("note").get<std::string>();
        out.seconds = j.at("seconds").get<double>();
        out.classifier_seconds = j.at("classifier_seconds").get<double>();
        if (!quiet) fmt::print("[prior] {}: kept from {}\n", out.estimator, path.string());
        return out;
      }
    } catch (const std::exception&) {
      // Unreadable or from another configuration: estimate again and replace it.
    }
  }
  const PriorEstimationOutcome out = estimate_prior(pu, spec, registries, context, quiet);
  const json j = {{"fingerprint", fingerprint}, {"estimator", out.estimator},   {"raw", out.raw},
                  {"prior", out.prior},         {"clipped", out.clipped},       {"note", out.note},
                  {"seconds", out.seconds},     {"classifier_seconds", out.classifier_seconds}};
  std::filesystem::create_directories(spec.run_dir());
  write_text_atomically(path, j.dump(1) + "\n");
  return out;
}

}  // namespace pulab
