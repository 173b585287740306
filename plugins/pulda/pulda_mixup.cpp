// Regularizer + hook `pulda_mixup`: PULDA's second ("alignment with mixup") stage (Jiang et al.,
// TPAMI 2023, after Dist-PU's mixup, Zhao et al., CVPR 2022). Mixup regularizes the alignment and
// eases the confirmation bias of the model's own labels on U:
//   y~(x) = 1 for a labeled positive, the pseudo-label q(x) for an unlabeled sample,
//   x^ = lambda x_i + (1 - lambda) x_perm(i),   t^ = lambda y~_i + (1 - lambda) y~_perm(i)
//   penalty = weight * mean_i BCE(sigmoid(clamp(g(x^))), t^)
// over the whole batch (P and U together, a random permutation of it as partners), ONE lambda per
// batch, lambda ~ Beta(alpha, alpha), alpha = 11, weight = 4.2 (`co_mixup`), clamp 10: the authors'
// defaults (train.py) and their mixup helper (mixup_two_targets / mixup_bce, which PU-Bench's
// train/pulda/mixup.py reproduces). BCE against the mixed target equals the authors'
// lambda BCE(., y_a) + (1 - lambda) BCE(., y_b) (BCE is linear in its target); computed from the
// clamped score with binary_cross_entropy_with_logits.
// Pseudo-labels (the standard state column `pseudo_label`): when the stage starts, q(x) = sigmoid of
// the model's clamped score for every unlabeled sample (scored in eval mode); after every step of
// the stage the batch's unlabeled samples get q(x) = sigmoid(clamp(g(x))) from that step's clean
// forward pass (taken before the optimizer step, in train mode), as the authors' loop does.
// The stage: the first round(warmup_fraction * train.epochs) epochs are the warm-up (the risk alone,
// no random draws here), the rest the alignment stage. The authors train 60 + 60 epochs;
// warmup_fraction = 0.5 keeps that ratio for any run length (50 + 50 in pulab's 100-epoch protocol).
// Choices and deviations (all in /work/drafts/pulda.md):
//   - the optimizer: the authors switch from Adam (lr 1e-4, weight decay 5e-4, cosine) to a new
//     Adam (lr 1e-3, weight decay 1e-4, cosine to 0.7 lr) at the stage change; this hook starts
//     the run's Adam afresh there (fresh_optimizer) with their ratios applied to the run's [train]
//     settings: from stage_lr_scale = 10 times [train].lr, cosine to stage_final_lr_factor = 0.7 of
//     that at the run's end, weight decay stage_weight_decay_scale = 0.2 times the run's (the
//     warm-up keeps the run's schedule). fresh_optimizer = false (the three others 1) keeps one
//     Adam, pulab 0.3's behaviour;
//   - the risk `pulda` stays the same through both stages (no reset of its averages);
//   - Beta draws from two Gamma draws (torch::_standard_gamma), the partner permutation from
//     torch::randperm, both on the global generator (lambda first, then the permutation).
#include <cmath>

#include <torch/types.h>

#include <pulab/model.hpp>
#include <pulab/sample_state.hpp>
#include <pulab/stage_optimizer_params.hpp>

#include "pulda.hpp"

namespace pulab_pulda {

pulab::Schema PuldaMixup::schema() {
  pulab::Schema schema{
      pulab::param::real("weight", 4.2, "weight of the mixup BCE (the authors' co_mixup)").at_least(0),
      pulab::param::real("alpha", 11.0, "one lambda ~ Beta(alpha, alpha) per batch").range(1e-3, 1e3),
      pulab::param::real("warmup_fraction", 0.5,
                         "fraction of train.epochs before the mixup stage (the authors: 60 of 120)")
          .range(0, 1),
      pulab::param::real("clamp", 10.0, "scores are clamped to [-clamp, clamp] in the mixup and the pseudo-labels")
          .range(1e-3, 1e3)};
  pulab::add_stage_optimizer_params(schema, "stage_", {10.0, "authors: 1e-3 after 1e-4"},
                                    {0.7, "authors: cosine to 0.7 lr"}, {0.2, "authors: 1e-4 after 5e-4"});
  return schema;
}

PuldaMixup::PuldaMixup(const pulab::Params& p)
    : weight_(p.real("weight")), alpha_(p.real("alpha")), warmup_fraction_(p.real("warmup_fraction")),
      clamp_(p.real("clamp")), stage_optimizer_(pulab::stage_optimizer_of(p, "stage_", "regularizer 'pulda_mixup'")) {}

pulab::StateUse PuldaMixup::state_use() const {
  pulab::StateUse use;
  use.reads = {"pseudo_label"};
  use.writes = {"pseudo_label"};
  return use;
}

std::int64_t PuldaMixup::alignment_start(std::int64_t epochs) const {
  return std::llround(warmup_fraction_ * double(epochs));
}

void PuldaMixup::on_run_start(pulab::TrainingContext& context) {
  start_epoch_ = alignment_start(context.epochs());
  pending_ids_ = pending_labels_ = torch::Tensor();
}

void PuldaMixup::on_epoch_start(pulab::TrainingContext& context) {
  if (context.progress().epoch != start_epoch_) return;
  if (stage_optimizer_) context.begin_optimizer_stage(*stage_optimizer_);
  // The stage begins: every unlabeled sample's pseudo-label from the warmed-up model. (A run
  // resumed later in the stage gets the column back from its checkpoint.)
  pulab::SampleState& state = context.state();
  const auto u = state.unlabeled_ids();
  const auto q = torch::sigmoid(context.score(u).clamp(-clamp_, clamp_));
  state.pseudo_label.index_put_({u}, q.to(state.pseudo_label.dtype()));
}

torch::Tensor PuldaMixup::penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                                  const pulab::Progress& progress) {
  if (weight_ == 0 || progress.epoch < start_epoch_ || batch.state == nullptr) return {};
  const std::int64_t n_p = batch.x_p.size(0), n = n_p + batch.x_u.size(0);
  if (n == 0) return {};
  const auto x = torch::cat({batch.x_p, batch.x_u});
  const auto targets = torch::cat({torch::ones({n_p}, scores.u.options()),
                                   batch.u_of(batch.state->pseudo_label).to(scores.u.options())});

  // lambda ~ Beta(alpha, alpha) from two Gamma draws, then the partners.
  const auto a = torch::full({2}, alpha_, torch::kDouble);
  const auto gammas = torch::_standard_gamma(a);
  const double sum = gammas.sum().item<double>();
  const double lambda = sum > 0 ? gammas[0].item<double>() / sum : 0.5;
  const auto partner = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong)).to(x.device());

  const auto x_mix = lambda * x + (1 - lambda) * x.index_select(0, partner);
  const auto t_mix = lambda * targets + (1 - lambda) * targets.index_select(0, partner);
  const auto z = model.forward(x_mix).reshape({-1}).to(scores.u.dtype()).clamp(-clamp_, clamp_);

  // The clean scores' pseudo-labels for U, written after the step.
  pending_ids_ = batch.ids_u;
  pending_labels_ = torch::sigmoid(scores.u.detach().clamp(-clamp_, clamp_));
  return weight_ * torch::binary_cross_entropy_with_logits(z, t_mix);
}

void PuldaMixup::after_step(pulab::TrainingContext& context, const pulab::Batch&) {
  if (!pending_ids_.defined()) return;
  auto& column = context.state().pseudo_label;
  column.index_put_({pending_ids_}, pending_labels_.to(column.dtype()));
  pending_ids_ = pending_labels_ = torch::Tensor();
}

}  // namespace pulab_pulda
