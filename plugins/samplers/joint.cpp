#include <cmath>

#include <torch/torch.h>

#include "samplers.hpp"

namespace pulab_samplers {

torch::Tensor candidate_ids(const pulab::SampleState& state, bool labeled, bool skip_inactive) {
  const auto ids = (labeled ? state.labeled_ids() : state.unlabeled_ids()).cpu();
  if (!skip_inactive) return ids;
  return ids.masked_select(state.active.cpu().index_select(0, ids));
}

pulab::Schema JointSampler::schema() {
  return {pulab::param::boolean("skip_inactive", false, "leave out samples whose state.active is false")};
}

JointSampler::JointSampler(const pulab::Params& p) : skip_inactive_(p.boolean("skip_inactive")) {}

pulab::StateUse JointSampler::state_use() const {
  pulab::StateUse use;
  if (skip_inactive_) use.reads.push_back("active");
  return use;
}

std::int64_t JointSampler::plan(const pulab::SamplerSetup& setup) {
  setup_ = setup;
  const std::int64_t n = setup.n_labeled + setup.n_unlabeled, b = setup.batch_size;
  // The expected number of each side in a batch: what a batch that drew none of it gets.
  fill_p_ = std::max<std::int64_t>(1, std::llround(double(b) * setup.n_labeled / n));
  fill_u_ = std::max<std::int64_t>(1, std::llround(double(b) * setup.n_unlabeled / n));
  return (n + b - 1) / b;
}

std::int64_t JointSampler::begin_epoch(const pulab::SampleState& state, const pulab::Progress&) {
  const auto long_options = torch::TensorOptions().dtype(torch::kLong);
  if (skip_inactive_) {
    fill_p_ids_ = candidate_ids(state, true, true);
    fill_u_ids_ = candidate_ids(state, false, true);
    const auto ids = torch::cat({fill_p_ids_, fill_u_ids_});
    order_ = ids.index_select(0, torch::randperm(ids.numel(), long_options));
  } else {
    order_ = torch::randperm(state.size(), long_options);
  }
  batch_ = 0;
  return (order_.numel() + setup_.batch_size - 1) / setup_.batch_size;
}

pulab::BatchIds JointSampler::next() {
  const auto long_options = torch::TensorOptions().dtype(torch::kLong);
  const std::int64_t b = setup_.batch_size;
  const auto ids = order_.slice(0, batch_ * b, std::min((batch_ + 1) * b, order_.numel()));
  ++batch_;
  const auto is_p = ids < setup_.n_labeled;
  pulab::BatchIds out{ids.masked_select(is_p), ids.masked_select(~is_p)};
  // Positives first, then unlabeled: the order in which the draws take numbers from the generator.
  if (out.p.numel() == 0) {
    out.p = skip_inactive_ ? fill_p_ids_.index_select(0, torch::randint(fill_p_ids_.numel(), {fill_p_}, long_options))
                           : torch::randint(setup_.n_labeled, {fill_p_}, long_options);
  }
  if (out.u.numel() == 0) {
    out.u = skip_inactive_ ? fill_u_ids_.index_select(0, torch::randint(fill_u_ids_.numel(), {fill_u_}, long_options))
                           : torch::randint(setup_.n_unlabeled, {fill_u_}, long_options) + setup_.n_labeled;
  }
  return out;
}

}  // namespace pulab_samplers
