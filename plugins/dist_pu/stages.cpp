// Regularizer and hook `dist_pu`: Dist-PU's regularization in the paper's two stages (Zhao et
// al., CVPR 2022), added to the label-distribution risk (risk `dist_pu`). With f = sigmoid(g),
// H the mean binary entropy (entropy.cpp) and BCE the mixup loss (mixup.cpp):
//   warm-up stage (epochs [0, s)):   penalty = mu H(g(U batch))
//   mixup stage   (epochs [s, E)):   penalty = mu2(e) H(g(U batch))
//                                             + mixup_weight BCE(g(x~), y~) + mixup_entropy_weight H(g(x~))
// where x~, y~ mix the batch (P with target 1, U with its pseudo-label) and
//   mu2(e) = mixup_stage_entropy_weight * (1 - cos(pi/2 * (e - s) / (E - s)))
// ramps the entropy on U up from 0 over the mixup stage. The entropy on the mixed samples keeps
// their predictions confident (mixup alone would soften them).
// Pseudo-labels (the state column `pseudo_label`, a soft P(y = +1)): at the start of epoch s the
// model (eval mode, no gradient) scores all of U and pseudo_label(x) = f(x); labeled positives
// keep 1. After every step of the mixup stage, the batch's unlabeled samples get the f(x) of that
// step's forward pass (taken before the optimizer step, detached).
// Choices beyond the paper, from the authors' code (train.py, losses/factory.py):
// - the stage switch s = floor(warmup_fraction * E): the authors train 60 warm-up epochs and then
//   60 mixup epochs (warmup_fraction = 0.5); pulab keeps the run's epoch count and splits it;
// - the weights mu = 2e-3 (co_mu), mixup_stage_entropy_weight = 4e-3 (co_entropy) with the
//   1 - cos ramp (their update_co_entropy, per epoch), mixup_weight = 5 (co_mixup),
//   mixup_entropy_weight = 0.04 (co_mix_entropy), mixup_alpha = 6 (alpha);
// - the entropy on U is over the batch's unlabeled samples only (their Ys != 1);
// - pseudo-labels are soft (the score itself), initialised from the warm-up model in eval mode
//   and refreshed from the training forward pass.
// The optimizer: the authors warm up with Adam (lr 5e-4, weight decay 5e-3, cosine to 0) and
// build a new Adam for the second stage (lr 5e-5, weight decay 1e-3, cosine to 0.7 lr). At the
// stage switch this hook starts the run's Adam afresh (fresh_optimizer) with their ratios applied
// to the run's [train] settings: from mixup_stage_lr_scale = 0.1 times [train].lr, cosine to
// mixup_stage_final_lr_factor = 0.7 of that at the run's end, weight decay
// mixup_stage_weight_decay_scale = 0.2 times the run's. The warm-up keeps the run's schedule (not
// the authors' cosine to 0). With fresh_optimizer = false (the three others 1) one Adam on the
// run's schedule serves both stages, pulab 0.3's behaviour.
#include <algorithm>
#include <cmath>

#include <torch/types.h>
#include <torch/utils.h>

#include <pulab/error.hpp>
#include <pulab/model.hpp>
#include <pulab/sample_state.hpp>
#include <pulab/stage_optimizer_params.hpp>

#include "dist_pu.hpp"

namespace pulab_dist_pu {

pulab::Schema DistPuStages::schema() {
  pulab::Schema schema{
      pulab::param::real("warmup_fraction", 0.5,
                         "fraction of the run's epochs in the warm-up stage (mixup stage from floor(fraction * epochs))")
          .range(0, 1),
      pulab::param::real("entropy_weight", 2e-3, "warm-up stage: weight of the entropy of f on U (authors' co_mu)")
          .at_least(0),
      pulab::param::real("mixup_stage_entropy_weight", 4e-3,
                         "mixup stage: weight of the entropy on U, ramped up from 0 by 1 - cos (co_entropy)")
          .at_least(0),
      pulab::param::real("mixup_weight", 5.0, "mixup stage: weight of the BCE on mixed samples (co_mixup)").at_least(0),
      pulab::param::real("mixup_entropy_weight", 0.04,
                         "mixup stage: weight of the entropy on the mixed samples (co_mix_entropy)")
          .at_least(0),
      pulab::param::real("mixup_alpha", 6.0, "mixup: lambda ~ Beta(mixup_alpha, mixup_alpha), one per batch")
          .at_least(1e-6)};
  pulab::add_stage_optimizer_params(schema, "mixup_stage_", {0.1, "authors: 5e-5 after 5e-4"},
                                    {0.7, "authors: cosine to 0.7 lr"}, {0.2, "authors: 1e-3 after 5e-3"});
  return schema;
}

DistPuStages::DistPuStages(const pulab::Params& p)
    : warmup_fraction_(p.real("warmup_fraction")), entropy_weight_(p.real("entropy_weight")),
      mixup_stage_entropy_weight_(p.real("mixup_stage_entropy_weight")), mixup_weight_(p.real("mixup_weight")),
      mixup_entropy_weight_(p.real("mixup_entropy_weight")), alpha_(p.real("mixup_alpha")),
      stage_optimizer_(pulab::stage_optimizer_of(p, "mixup_stage_", "regularizer 'dist_pu'")) {}

pulab::StateUse DistPuStages::state_use() const {
  pulab::StateUse use;
  use.reads = {"pseudo_label"};
  use.writes = {"pseudo_label"};
  return use;
}

std::int64_t DistPuStages::mixup_start(std::int64_t epochs) const {
  // The small margin keeps e.g. 0.29 * 100 = 28.999999999999996 at 29.
  return std::min(epochs, static_cast<std::int64_t>(std::floor(warmup_fraction_ * double(epochs) + 1e-9)));
}

double DistPuStages::entropy_weight_at(std::int64_t epoch) const {
  if (!in_mixup_stage(epoch)) return entropy_weight_;
  const double t = double(epoch - start_) / double(std::max<std::int64_t>(1, epochs_ - start_));
  return mixup_stage_entropy_weight_ * (1 - std::cos(t * M_PI / 2));
}

void DistPuStages::on_run_start(pulab::TrainingContext& context) {
  epochs_ = context.epochs();
  start_ = mixup_start(epochs_);
}

void DistPuStages::on_epoch_start(pulab::TrainingContext& context) {
  if (context.progress().epoch != start_ || start_ >= epochs_) return;
  if (stage_optimizer_) context.begin_optimizer_stage(*stage_optimizer_);
  pulab::SampleState& state = context.state();
  const auto u_ids = state.unlabeled_ids();
  const auto f = torch::sigmoid(context.score(u_ids));
  state.pseudo_label.index_put_({u_ids}, f.to(state.pseudo_label.dtype()));
}

void DistPuStages::after_step(pulab::TrainingContext& context, const pulab::Batch&) {
  if (!refreshed_ids_.defined()) return;
  torch::Tensor& labels = context.state().pseudo_label;
  labels.index_put_({refreshed_ids_}, refreshed_labels_.to(labels.dtype()));
  refreshed_ids_ = torch::Tensor();
  refreshed_labels_ = torch::Tensor();
}

torch::Tensor DistPuStages::penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                                    const pulab::Progress& progress) {
  torch::Tensor total;
  auto add = [&total](const torch::Tensor& term) { total = total.defined() ? total + term : term; };
  const double w_u = entropy_weight_at(progress.epoch);
  if (w_u > 0 && scores.u.numel() > 0) add(w_u * mean_binary_entropy(scores.u));
  if (!in_mixup_stage(progress.epoch)) return total;

  if (batch.state == nullptr) throw pulab::Error("regularizer 'dist_pu' needs the run's per-sample state (pseudo_label)");
  {
    torch::NoGradGuard no_grad;
    refreshed_ids_ = batch.ids_u;
    refreshed_labels_ = torch::sigmoid(scores.u.detach());
  }
  if (mixup_weight_ == 0 && mixup_entropy_weight_ == 0) return total;

  const auto x = torch::cat({batch.x_p, batch.x_u});
  const std::int64_t n = x.size(0);
  if (n == 0) return total;
  const auto y_u = batch.u_of(batch.state->pseudo_label).to(x.device(), torch::kFloat);
  const auto y = torch::cat({torch::ones({batch.x_p.size(0)}, y_u.options()), y_u});
  const double lambda = sample_beta(alpha_);
  const auto permutation = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong));
  const MixedBatch mixed = mix(x, y, lambda, permutation);
  const auto g_mix = model.forward(mixed.x).reshape({-1}).to(torch::kFloat);
  if (mixup_weight_ > 0) add(mixup_weight_ * mean_binary_cross_entropy(g_mix, mixed.y));
  if (mixup_entropy_weight_ > 0) add(mixup_entropy_weight_ * mean_binary_entropy(g_mix));
  return total;
}

}  // namespace pulab_dist_pu
