// LBE (Gong et al., TPAMI 2021), the hook half of risk `lbe`: the propensity model
// eta(x) = sigmoid(e(x)) = P(s = 1 | y = 1, x), the E-step and the propensity's M-step.
//
// run start   the warm-up epochs W = warmup_epochs_for(warmup_fraction, train.epochs); the
//             propensity model e: the run's [model] architecture, created through the engine
//             (fresh initialisation from the global generator, on the run's device, saved in
//             checkpoints as "lbe.propensity"), and its Adam (the run's [train] settings and
//             learning-rate schedule, "lbe.propensity_optimizer").
// epoch start (0-based epoch >= W) the E-step over all of U, with g the classifier's
//             and e the propensity's scores (eval mode, no gradient):
//               q = P(y = 1 | s = 0, x) = h (1 - eta) / (1 - h eta) = exp(g) / (1 + exp(g) + exp(e))
//             (the middle entry of softmax(0, g, e): exact and finite for any scores), written
//             into `pseudo_label` of every U sample; the labeled positives keep q = 1 (s = 1
//             implies y = 1). q stays fixed for the epoch's M-step.
// after step  one Adam step of the propensity model on the same batch (P and U):
//               EM:      mean_batch q_i [ s_i softplus(-e_i) + (1 - s_i) softplus(e_i) ]
//                        (s = 1 on P with q = 1; s = 0 on U, weighted by q)
//               warm-up: "observed" mean_batch [ s softplus(-e) + (1 - s) softplus(e) ] (fits
//                        P(s = 1 | x)), or "balanced": the classifier's class-balanced P-vs-U loss
//                        (lbe.hpp's weights), as the authors' code.
//
// Choices beyond the paper (docs/methods.md): one EM iteration per epoch, the M-step being one
// pass of mini-batch Adam over the training data for both models, step for step together (the
// authors' code: 20 full-gradient Adam steps on random 10% subsets per EM iteration); the
// optimizers' Adam state carries over from the warm-up into EM (the code restarts them); the
// propensity model has the classifier's architecture (as in the code and PU-Bench).
#include <string>

#include <torch/types.h>

#include <pulab/error.hpp>
#include <pulab/sample_state.hpp>

#include "lbe.hpp"

namespace pulab_lbe {

void Lbe::on_run_start(pulab::TrainingContext& context) {
  const pulab::SampleState& state = context.state();
  if (state.n_labeled() == 0 || state.n_unlabeled() == 0) {
    throw pulab::Error("risk 'lbe': needs labeled positives and unlabeled samples (n_labeled = " +
                       std::to_string(state.n_labeled()) + ", n_unlabeled = " + std::to_string(state.n_unlabeled()) +
                       ")");
  }
  warmup_epochs_ = warmup_epochs_for(warmup_fraction_, context.epochs());
  propensity_ = context.create_model(kPropensityKey);
  propensity_optimizer_ = context.create_optimizer(kPropensityOptimizerKey, *propensity_);
}

void Lbe::on_epoch_start(pulab::TrainingContext& context) {
  if (warming_up(context.progress().epoch)) return;
  pulab::SampleState& state = context.state();
  const auto u_ids = state.unlabeled_ids();
  const auto g = context.score(u_ids);
  const auto e = context.score(u_ids, propensity_.get());
  const auto q = torch::stack({torch::zeros_like(g), g, e}, 1).softmax(1).select(1, 1);
  state.pseudo_label.index_copy_(0, u_ids, q.to(state.pseudo_label.dtype()));
}

void Lbe::after_step(pulab::TrainingContext& context, const pulab::Batch& batch) {
  const std::int64_t n_p = batch.x_p.size(0);
  propensity_->train();
  const auto e = propensity_->forward(torch::cat({batch.x_p, batch.x_u})).reshape({-1});
  const auto e_p = e.slice(0, 0, n_p), e_u = e.slice(0, n_p);
  torch::Tensor positive, unlabeled;
  if (warming_up(batch.progress.epoch)) {
    positive = torch::softplus(-e_p);
    unlabeled = torch::softplus(e_u);
    if (balanced_propensity_warmup_) {
      const pulab::SampleState& state = context.state();
      const auto [w_labeled, w_unlabeled] = balanced_weights(state.n_labeled(), state.n_unlabeled());
      positive = w_labeled * positive;
      unlabeled = w_unlabeled * unlabeled;
    }
  } else {
    const auto q = batch.u_of(context.state().pseudo_label).to(e.dtype());
    positive = torch::softplus(-e_p);       // s = 1, q = 1
    unlabeled = q * torch::softplus(e_u);   // s = 0, weight q
  }
  const auto loss = torch::cat({positive, unlabeled}).mean();
  propensity_optimizer_->zero_grad();
  loss.backward();
  propensity_optimizer_->step();
}

}  // namespace pulab_lbe
