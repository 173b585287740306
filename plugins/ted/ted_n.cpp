// Hook `ted_n`: (TED)^n's alternation of BBE and CVIR around the training epochs.
//   run start  a random holdout_fraction of the labeled positives and of U (global generator,
//              so the same in every process of the run) becomes inactive: the sampler must skip
//              them ([sampler] skip_inactive = true) and they serve only for BBE
//   epoch end  from epoch warm_start_epochs on (1-based): pi^ = BBE(held-out P scores,
//              held-out U scores) (pulab/mixture_proportion.hpp), the run's prior := pi^; then
//              the training U is ranked by score and its top pi^ fraction gets weight 0 (ignored
//              by `cvir` in the next epoch), the rest weight 1
// The estimate of each epoch is result.json's epochs[].prior.
#include <cmath>

#include <torch/torch.h>

#include <pulab/error.hpp>
#include <pulab/mixture_proportion.hpp>

#include "ted.hpp"

namespace pulab_ted {

pulab::Schema TedN::schema() {
  return {pulab::param::real("holdout_fraction", 0.2, "fraction of P and of U held out for BBE").range(0.01, 0.9),
          pulab::param::integer("warm_start_epochs", 5, "epochs of P-vs-U training before the first BBE/CVIR")
              .at_least(1),
          pulab::param::real("delta", 0.1, "BBE: confidence parameter of the upper bound").range(1e-6, 1),
          pulab::param::real("gamma", 0.01, "BBE: slack of the upper bound").at_least(0)};
}

TedN::TedN(const pulab::Params& p)
    : holdout_fraction_(p.real("holdout_fraction")), warm_start_epochs_(p.integer("warm_start_epochs")),
      delta_(p.real("delta")), gamma_(p.real("gamma")) {}

pulab::StateUse TedN::state_use() const {
  pulab::StateUse use;
  use.writes = {"active", "weight"};
  use.writes_prior = true;
  return use;
}

void TedN::on_run_start(pulab::TrainingContext& context) {
  pulab::SampleState& state = context.state();
  for (const auto& ids : {state.labeled_ids(), state.unlabeled_ids()}) {
    const auto n_hold = std::llround(holdout_fraction_ * double(ids.numel()));
    if (n_hold < 1 || n_hold >= ids.numel()) {
      throw pulab::Error("hook 'ted_n': hook.ted_n.holdout_fraction leaves no held-out or no training samples");
    }
    const auto order = torch::randperm(ids.numel(), torch::TensorOptions().dtype(torch::kLong)).to(ids.device());
    state.active.index_fill_(0, ids.index_select(0, order.slice(0, 0, n_hold)), false);
  }
}

void TedN::on_epoch_end(pulab::TrainingContext& context) {
  if (context.progress().epoch + 1 < warm_start_epochs_) return;
  pulab::SampleState& state = context.state();
  const auto inactive = state.active.logical_not();
  const auto held_p = state.labeled_ids().masked_select(inactive.slice(0, 0, state.n_labeled()));
  const auto held_u = state.unlabeled_ids().masked_select(inactive.slice(0, state.n_labeled()));
  const auto estimate = pulab::bbe_estimate(context.score(held_p), context.score(held_u), delta_, gamma_);
  const double prior = std::min(0.99, std::max(0.01, estimate.prior));
  context.set_prior(prior);

  const auto train_u = state.unlabeled_ids().masked_select(state.active.slice(0, state.n_labeled()));
  const auto order = context.score(train_u).argsort(0, /*descending=*/true);
  const auto n_ignored = std::llround(prior * double(train_u.numel()));
  state.weight.index_fill_(0, train_u, 1.0f);
  state.weight.index_fill_(0, train_u.index_select(0, order.slice(0, 0, n_ignored)), 0.0f);
}

}  // namespace pulab_ted
