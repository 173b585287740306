// Risk `p3mix`: P3Mix's training objective (Li, Li, Feng, Ouyang, "Who Is Your Right Mixup Partner
// in Positive and Unlabeled Learning", ICLR 2022, Sec. 3), one mini-batch at a time:
//   1. q_u = sigmoid(g(x_u)) from the engine's clean forward pass (detached);
//   2. targets: 1 for the labeled positives, 0 for the unlabeled samples (PU learning as learning
//      with noisy negative labels); from `start_epoch` on, with `correction = true` (P3Mix-C), an
//      unlabeled sample with q_u >= gamma gets target 1;
//   3. partners (heuristic_mixup.hpp): before `start_epoch` a random permutation of the batch;
//      from `start_epoch` on, the marginal pseudo-negatives (1 - gamma < q_u < gamma) are mixed
//      with a uniformly drawn member of the candidate pool (state column p3mix_pool, hook
//      `p3mix_pool`; target 1, early-learning target 1) and every other row with a uniformly drawn
//      row of the batch;
//   4. lambda ~ Beta(alpha, alpha) folded to max(lambda, 1 - lambda); x~, y~ (and t~) mixed;
//   5. the model is evaluated on x~ and L = p3mix_loss (p3mix_loss.hpp): cross-entropy of the
//      rows from P and from U averaged separately, + entropy_weight * entropy, + (P3Mix-E)
//      elr_weight * ELR with the mean teacher's probabilities t (state column p3mix_target, hook
//      `p3mix_teacher`).
// The objective and the reported risk are L. Decision: sign(g), i.e. sigmoid(g) > 1/2. P3Mix does
// not use the class prior.
//
// Because the loss is taken on mixed inputs, the risk evaluates the model itself (a second
// forward pass; the engine's clean pass provides q_u). It is therefore also a TrainingHook: at run
// start it keeps the run's model, the training inputs (the pool's rows are gathered from them)
// and its state columns. Reading state, it is not called by the evaluation's PU-risk criterion.
// alpha = 0 switches mixing off (lambda = 1, no partner, no second forward pass): an ablation.
// Choices beyond the paper (see /work/drafts/p3mix.md): input mixup (the authors' code can mix at
// a hidden layer; pulab's models are black boxes); the heuristic phase starts at `start_epoch`
// (0-based) for both the partners and the correction; one symmetric gamma; a pool that is empty
// in the heuristic phase falls back to the permutation.
#include <torch/types.h>

#include <pulab/error.hpp>
#include <pulab/model.hpp>
#include <pulab/sample_state.hpp>

#include "heuristic_mixup.hpp"
#include "p3mix.hpp"

namespace pulab_p3mix {

pulab::Schema P3MixRisk::schema() {
  return {
      pulab::param::real("alpha", 1.0, "mixup: lambda ~ Beta(alpha, alpha), folded to max(lambda, 1 - lambda); "
                                       "0 = no mixing").at_least(0),
      pulab::param::real("gamma", 0.8, "marginal pseudo-negative iff 1 - gamma < sigmoid(g) < gamma; correction "
                                       "to 1 iff sigmoid(g) >= gamma").range(0.5, 1),
      pulab::param::integer("start_epoch", 5, "0-based epoch from which partners are chosen heuristically "
                                              "(and labels corrected)").at_least(0),
      pulab::param::boolean("correction", false, "P3Mix-C: unlabeled samples with sigmoid(g) >= gamma get target 1"),
      pulab::param::real("positive_weight", 1.0, "weight of the cross-entropy of the rows mixed from P").at_least(0),
      pulab::param::real("unlabeled_weight", 1.0, "weight of the cross-entropy of the rows mixed from U").at_least(0),
      pulab::param::real("entropy_weight", 0.1, "weight of the entropy-minimisation term").at_least(0),
      pulab::param::real("elr_weight", 0.0, "P3Mix-E: weight of the early-learning regularisation (needs hook "
                                            "p3mix_teacher); 0 = P3Mix without it").at_least(0),
      pulab::param::real("epsilon", 1e-4, "probabilities are clamped to [epsilon, 1 - epsilon]").range(1e-12, 0.1)};
}

P3MixRisk::P3MixRisk(const pulab::Params& p)
    : alpha_(p.real("alpha")), gamma_(p.real("gamma")), start_epoch_(p.integer("start_epoch")),
      correction_(p.boolean("correction")) {
  weights_.positive = p.real("positive_weight");
  weights_.unlabeled = p.real("unlabeled_weight");
  weights_.entropy = p.real("entropy_weight");
  weights_.elr = p.real("elr_weight");
  weights_.eps = p.real("epsilon");
}

pulab::StateUse P3MixRisk::state_use() const {
  pulab::StateUse use;
  use.reads = {kPoolColumn};
  if (weights_.elr > 0) use.reads.push_back(kTargetColumn);
  return use;
}

void P3MixRisk::on_run_start(pulab::TrainingContext& context) {
  model_ = &context.model();
  x_train_ = context.x_train();
  pulab::SampleState& state = context.state();
  n_labeled_ = state.n_labeled();
  pool_ = &state.column(kPoolColumn);
  if (weights_.elr > 0) target_ = &state.column(kTargetColumn);
}

pulab::RiskOutput P3MixRisk::compute(const pulab::RiskInput& in) {
  if (!model_) {
    throw pulab::Error("risk 'p3mix' is used outside a training run: it evaluates the run's model on mixed "
                       "inputs and gets it at run start");
  }
  const pulab::Batch& batch = in.batch;
  const std::int64_t n_p = batch.x_p.size(0), n_u = batch.x_u.size(0), n = n_p + n_u;
  const auto device = in.scores.u.device();
  const auto q_u = torch::sigmoid(in.scores.u.detach().to(torch::kFloat));
  const bool heuristic = batch.progress.epoch >= start_epoch_;

  auto y_u = heuristic && correction_ ? corrected_targets(q_u, gamma_) : torch::zeros({n_u}, q_u.options());
  auto y = torch::cat({torch::ones({n_p}, q_u.options()), y_u});
  torch::Tensor t;
  if (target_) t = torch::cat({batch.p_of(*target_), batch.u_of(*target_)}).to(torch::kFloat);

  const double lambda = draw_lambda(alpha_);
  torch::Tensor z;
  if (lambda >= 1.0) {  // alpha = 0: no mixing; the engine's scores are the model on x
    z = torch::cat({in.scores.p, in.scores.u}).to(torch::kFloat);
  } else {
    auto x = torch::cat({batch.x_p, batch.x_u});
    torch::Tensor partner, pool_ids;
    if (heuristic) pool_ids = torch::nonzero(pool_->slice(0, 0, n_labeled_) > 0.5f).reshape({-1});
    if (heuristic && pool_ids.numel() > 0) {
      const std::int64_t k = pool_ids.numel();
      partner = heuristic_partners(marginal_mask(q_u, gamma_), n_p, k);
      x = torch::cat({x, x_train_.index_select(0, pool_ids.to(x_train_.device())).to(x.options())});
      y = torch::cat({y, torch::ones({k}, y.options())});
      if (t.defined()) t = torch::cat({t, torch::ones({k}, t.options())});
    } else {
      partner = random_partners(n, device);
    }
    const auto x_a = x.slice(0, 0, n);
    const auto x_mix = lambda * x_a + (1.0 - lambda) * x.index_select(0, partner);
    y = lambda * y.slice(0, 0, n) + (1.0 - lambda) * y.index_select(0, partner);
    if (t.defined()) t = lambda * t.slice(0, 0, n) + (1.0 - lambda) * t.index_select(0, partner);
    z = model_->forward(x_mix).reshape({-1}).to(torch::kFloat);
  }
  const LossTerms terms = p3mix_loss(z, y, t, n_p, in.positive_weights, weights_);
  return {terms.total, terms.total.detach()};
}

}  // namespace pulab_p3mix
