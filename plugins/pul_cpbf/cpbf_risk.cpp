// Risk + hook `pul_cpbf`: PUL-CPBF's two stages (Li et al., ICML 2024).
// Stage 1 (the first round(fence_fraction * train.epochs) epochs, at least 1):
//   - the fence: K extra models g_k of the run's architecture (created through the engine, so
//     checkpointed and on the run's learning-rate schedule, each with its own Adam), one per
//     boundary alpha_k of `fence` (0.1, ..., 0.9), trained after every step of the run on the same
//     batch with the asymmetric risk R_beta(alpha_k) (asymmetric_risk.cpp);
//   - the run's model is trained with R_beta(alpha) for alpha = 1/2 (the Bayes boundary): a warm
//     start for stage 2, as PU-Bench's port trains its model in its phase 1 (`alpha: 0.5`);
//   - at the end of the stage every unlabeled sample is scored by the fence, its posterior located
//     and its stochastic label y~ drawn (fence.cpp), into the state column pseudo_label.
// Stage 2: the run's model self-trains on P and on U with the stochastic labels,
//   R = E_P[l(g, +1)] + lambda_u E_U[BCE(g, lambda y^ + (1 - lambda) y~)],
// y^ = [g >= 0] the model's own current prediction (detached), the self-training part: the target
// mixes it with the fixed stochastic label; lambda = 0.5, lambda_u = 0.85 (PU-Bench's port, whose
// notes give both as the authors' train.py values). BCE is the logistic loss with a soft target.
// Decision rule: sign(g).
// Choices and deviations (all in /work/drafts/pul_cpbf.md; the paper's body was not accessible):
//   - PU-Bench's port adds a FixMatch-style consistency term on strongly augmented views of U
//     (RandAugment for images; noise/dropout/sign flips for vectors, which it calls a benchmark
//     extension) with confidence mask 0.9 and sharpening T = 0.5; pulab has no augmentation
//     pipeline, so this term is left out (sharpening alone does not change y^ = argmax);
//   - PU-Bench's port trains ONE model and reads the same sign for every alpha (its fence is
//     degenerate); pulab trains the K fence models the abstract describes;
//   - one optimizer setting for both stages (PU-Bench: Adam lr 2e-3, weight decay 5e-3, batch 64,
//     20 + 50 epochs); pulab keeps the run's [train] settings; fence_fraction = 0.2857 = 20/70;
//   - the asymmetric risk is divided by the sum of its weights (`normalize`, asymmetric_risk.cpp);
//   - a SampleWeighting's weights, when a run has one, multiply the positive terms (both stages);
//   - the class prior must lie in (0, 1) (beta needs it); the error names split.prior.
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <torch/types.h>

#include <pulab/error.hpp>
#include <pulab/sample_state.hpp>

#include "pul_cpbf.hpp"

namespace pulab_pul_cpbf {

namespace {

void check_prior(double prior) {
  if (!(prior > 0 && prior < 1) || !std::isfinite(prior)) {
    throw pulab::Error(fmt::format(
        "risk 'pul_cpbf' needs the class prior of the unlabeled data in (0, 1), got {}: set split.prior to the "
        "prior (or split.prior = \"estimate\" with a [prior_estimator])",
        prior));
  }
}

torch::Tensor positive_term(pulab::Loss loss, const torch::Tensor& g_p, const torch::Tensor& weights) {
  const auto l = pulab::loss_positive(loss, g_p);
  return (weights.defined() ? weights.to(l.dtype()) * l : l).mean();
}

}  // namespace

pulab::Schema CpbfRisk::schema() {
  return {pulab::loss_param("logistic"),
          pulab::param::reals("fence", {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9},
                              "ascending posterior boundaries of the fence's weak classifiers")
              .range(1e-3, 1 - 1e-3),
          pulab::param::real("alpha", 0.5, "stage 1: boundary of the run's own model (1/2 = Bayes)").range(1e-3, 1 - 1e-3),
          pulab::param::real("fence_fraction", 0.2857, "fraction of train.epochs in stage 1 (PU-Bench: 20 of 70)")
              .range(0, 1),
          pulab::param::real("lambda", 0.5, "stage 2: weight of the model's own prediction in U's target").range(0, 1),
          pulab::param::real("lambda_u", 0.85, "stage 2: weight of the unlabeled term").at_least(0),
          pulab::param::text("label", "bernoulli", "stochastic label: y ~ Bernoulli(eta~) or [eta~ >= 1/2]")
              .one_of({"bernoulli", "threshold"}),
          pulab::param::boolean("normalize", true,
                                "divide the asymmetric risk by the sum of its weights (same boundary, scale free of rho)")};
}

CpbfRisk::CpbfRisk(const pulab::Params& p)
    : loss_(pulab::parse_loss(p.text("loss"))), fence_(p.reals("fence")), alpha_(p.real("alpha")),
      fence_fraction_(p.real("fence_fraction")), lambda_(p.real("lambda")), lambda_u_(p.real("lambda_u")),
      bernoulli_(p.text("label") == "bernoulli"), normalize_(p.boolean("normalize")) {
  if (fence_.empty()) throw pulab::Error("risk 'pul_cpbf': risk.fence needs at least one boundary");
  for (std::size_t k = 1; k < fence_.size(); ++k) {
    if (!(fence_[k] > fence_[k - 1])) {
      throw pulab::Error("risk 'pul_cpbf': risk.fence must be strictly ascending, got " + pulab::format_param(fence_));
    }
  }
}

pulab::StateUse CpbfRisk::state_use() const {
  pulab::StateUse use;
  use.reads = {"pseudo_label"};
  use.writes = {"pseudo_label"};
  return use;
}

std::int64_t CpbfRisk::fence_epochs(std::int64_t epochs) const {
  return std::max<std::int64_t>(1, std::llround(fence_fraction_ * double(epochs)));
}

pulab::RiskOutput CpbfRisk::compute(const pulab::RiskInput& in) {
  check_prior(in.prior);
  const pulab::Batch& batch = in.batch;
  if (batch.state == nullptr) throw pulab::Error("risk 'pul_cpbf' needs the run's sample state (a training batch)");
  const double rho = double(batch.state->n_labeled()) / double(batch.state->size());
  torch::Tensor objective;
  if (batch.progress.epoch < stage2_start_) {
    objective = asymmetric_risk(loss_, in.scores.p, in.scores.u, asymmetric_penalty(alpha_, rho, in.prior), rho,
                                normalize_, in.positive_weights);
  } else {
    const auto own = (in.scores.u.detach() >= 0).to(in.scores.u.dtype());
    const auto stochastic = batch.u_of(batch.state->pseudo_label).to(in.scores.u.dtype());
    const auto target = lambda_ * own + (1 - lambda_) * stochastic;
    objective = positive_term(loss_, in.scores.p, in.positive_weights) +
                lambda_u_ * torch::binary_cross_entropy_with_logits(in.scores.u, target);
  }
  return {objective, objective.detach()};
}

void CpbfRisk::on_run_start(pulab::TrainingContext& context) {
  check_prior(context.prior());
  const pulab::SampleState& state = context.state();
  rho_ = double(state.n_labeled()) / double(state.size());
  stage2_start_ = fence_epochs(context.epochs());
  members_.clear();
  for (std::size_t k = 0; k < fence_.size(); ++k) {
    const std::string key = "pul_cpbf.fence_" + std::to_string(k);
    FenceMember m;
    m.alpha = fence_[k];
    m.model = context.create_model(key);
    m.optimizer = context.create_optimizer(key + ".adam", *m.model);
    members_.push_back(std::move(m));
  }
}

void CpbfRisk::after_step(pulab::TrainingContext& context, const pulab::Batch& batch) {
  if (context.progress().epoch >= stage2_start_) return;
  const auto x = torch::cat({batch.x_p, batch.x_u});
  const std::int64_t n_p = batch.x_p.size(0);
  for (auto& m : members_) {
    m.model->train();
    m.optimizer->zero_grad();
    const auto g = m.model->forward(x).reshape({-1}).to(torch::kFloat);
    const double beta = asymmetric_penalty(m.alpha, rho_, context.prior());
    const auto risk = asymmetric_risk(loss_, g.slice(0, 0, n_p), g.slice(0, n_p), beta, rho_, normalize_);
    risk.backward();
    m.optimizer->step();
  }
}

void CpbfRisk::on_epoch_end(pulab::TrainingContext& context) {
  if (context.progress().epoch != stage2_start_ - 1) return;
  pulab::SampleState& state = context.state();
  const auto u = state.unlabeled_ids();
  std::vector<torch::Tensor> votes;
  for (auto& m : members_) votes.push_back(context.score(u, m.model.get()) > 0);
  const auto [lo, hi] = locate_posterior(torch::stack(votes), fence_);
  const auto labels = stochastic_labels(lo, hi, bernoulli_);
  state.pseudo_label.index_put_({u}, labels.to(state.pseudo_label.device(), state.pseudo_label.dtype()));
}

}  // namespace pulab_pul_cpbf
