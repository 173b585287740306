// Hook `self_paced_selection`: at the end of the epochs start, start + every, ..., stop (1-based),
// score all of U with the model and pseudo-label a growing fraction f of it, chosen afresh each
// time (a sample labeled earlier may be released):
//   f = max_fraction * (k + 1) / K     at the k-th of the K selection epochs
//   k_pos = round(f |U| pi0) highest scores -> pseudo-label 1,
//   k_neg = round(f |U| (1 - pi0)) lowest scores -> pseudo-label 0,
// where pi0 is the prior of all of U. The selected samples leave the nnPU part (active = false)
// and the prior of the samples still in U becomes
//   pi = (pi0 |U| - k_pos) / (|U| - k_pos - k_neg),
// which the risk gets from the next step on (clamped to [0.01, 0.99]). Splitting the selection
// between the two sides in proportion to pi0 keeps the remaining U's prior near pi0.
#include <cmath>

#include <torch/torch.h>

#include <pulab/error.hpp>

#include "self_pu.hpp"

namespace pulab_self_pu {

pulab::Schema SelfPacedSelection::schema() {
  return {pulab::param::integer("start_epoch", 10, "first selection at the end of this epoch (1-based)").at_least(1),
          pulab::param::integer("stop_epoch", 50, "last selection (reaches max_fraction)").at_least(1),
          pulab::param::integer("every", 10, "epochs between two selections").at_least(1),
          pulab::param::real("max_fraction", 0.4, "fraction of U pseudo-labeled at the last selection").range(0, 0.95)};
}

SelfPacedSelection::SelfPacedSelection(const pulab::Params& p)
    : start_(p.integer("start_epoch")), stop_(p.integer("stop_epoch")), every_(p.integer("every")),
      max_fraction_(p.real("max_fraction")) {
  if (stop_ < start_) throw pulab::Error("hook 'self_paced_selection': stop_epoch must be >= start_epoch");
}

pulab::StateUse SelfPacedSelection::state_use() const {
  pulab::StateUse use;
  use.writes = {"active", "pseudo_label"};
  use.writes_prior = true;
  return use;
}

double SelfPacedSelection::fraction_after(std::int64_t epoch) const {
  const std::int64_t e = epoch + 1;
  if (e < start_ || e > stop_ || (e - start_) % every_ != 0) return 0;
  const std::int64_t k = (e - start_) / every_, selections = (stop_ - start_) / every_ + 1;
  return max_fraction_ * double(k + 1) / double(selections);
}

void SelfPacedSelection::on_run_start(pulab::TrainingContext& context) { base_prior_ = context.prior(); }

void SelfPacedSelection::on_epoch_end(pulab::TrainingContext& context) {
  const double f = fraction_after(context.progress().epoch);
  if (f <= 0) return;
  pulab::SampleState& state = context.state();
  const auto u_ids = state.unlabeled_ids();
  const std::int64_t n_u = u_ids.numel();
  const auto order = context.score(u_ids).argsort(0, /*descending=*/true);  // most positive first
  const auto k_pos = std::llround(f * double(n_u) * base_prior_);
  const auto k_neg = std::llround(f * double(n_u) * (1 - base_prior_));
  const auto positives = u_ids.index_select(0, order.slice(0, 0, k_pos));
  const auto negatives = u_ids.index_select(0, order.slice(0, n_u - k_neg, n_u));

  state.active.index_fill_(0, u_ids, true);
  state.pseudo_label.index_fill_(0, u_ids, float(base_prior_));
  state.active.index_fill_(0, positives, false);
  state.active.index_fill_(0, negatives, false);
  state.pseudo_label.index_fill_(0, positives, 1.0f);
  state.pseudo_label.index_fill_(0, negatives, 0.0f);
  const double remaining = double(n_u - k_pos - k_neg);
  const double prior = (base_prior_ * double(n_u) - double(k_pos)) / std::max(1.0, remaining);
  context.set_prior(std::min(0.99, std::max(0.01, prior)));
}

void SelfPacedSelection::save(torch::serialize::OutputArchive& archive) const {
  archive.write("base_prior", torch::tensor(base_prior_, torch::kDouble));
}

void SelfPacedSelection::load(torch::serialize::InputArchive& archive) {
  torch::Tensor t;
  archive.read("base_prior", t);
  base_prior_ = t.item<double>();
}

}  // namespace pulab_self_pu
