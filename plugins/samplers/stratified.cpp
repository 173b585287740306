#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include <pulab/error.hpp>

#include "samplers.hpp"

namespace pulab_samplers {

pulab::Schema StratifiedSampler::schema() {
  return {pulab::param::real("p_share", 0.5, "fraction of train.batch_size that is labeled positives").range(0, 1),
          pulab::param::boolean("skip_inactive", false, "leave out samples whose state.active is false")};
}

StratifiedSampler::StratifiedSampler(const pulab::Params& p)
    : p_share_(p.real("p_share")), skip_inactive_(p.boolean("skip_inactive")) {}

pulab::StateUse StratifiedSampler::state_use() const {
  pulab::StateUse use;
  if (skip_inactive_) use.reads.push_back("active");
  return use;
}

std::int64_t StratifiedSampler::plan(const pulab::SamplerSetup& setup) {
  p_count_ = std::llround(p_share_ * double(setup.batch_size));
  u_count_ = setup.batch_size - p_count_;
  if (p_count_ < 1 || u_count_ < 1) {
    throw pulab::Error(fmt::format(
        "sampler 'stratified': sampler.p_share = {} of train.batch_size = {} gives {} labeled positives and {} "
        "unlabeled samples per batch; both need at least 1 (raise train.batch_size or move p_share towards 0.5)",
        p_share_, setup.batch_size, p_count_, u_count_));
  }
  if (setup.n_labeled < 1 || setup.n_unlabeled < 1) {
    throw pulab::Error("sampler 'stratified': the split has no labeled positives or no unlabeled samples");
  }
  return (setup.n_unlabeled + u_count_ - 1) / u_count_;
}

std::int64_t StratifiedSampler::begin_epoch(const pulab::SampleState& state, const pulab::Progress&) {
  const auto long_options = torch::TensorOptions().dtype(torch::kLong);
  const auto u_ids = candidate_ids(state, false, skip_inactive_);
  u_order_ = u_ids.index_select(0, torch::randperm(u_ids.numel(), long_options));
  p_ids_ = candidate_ids(state, true, skip_inactive_);
  if (p_ids_.numel() == 0 || u_ids.numel() == 0) {
    throw pulab::Error("sampler 'stratified': no active labeled positive or unlabeled sample is left");
  }
  p_order_ = p_ids_.index_select(0, torch::randperm(p_ids_.numel(), long_options));
  p_position_ = 0;
  batch_ = 0;
  return (u_order_.numel() + u_count_ - 1) / u_count_;
}

torch::Tensor StratifiedSampler::next_positives() {
  std::vector<torch::Tensor> parts;
  std::int64_t missing = p_count_;
  while (missing > 0) {
    if (p_position_ == p_order_.numel()) {  // this order of P is used up: draw a new one
      p_order_ = p_ids_.index_select(0, torch::randperm(p_ids_.numel(), torch::TensorOptions().dtype(torch::kLong)));
      p_position_ = 0;
    }
    const std::int64_t take = std::min(missing, p_order_.numel() - p_position_);
    parts.push_back(p_order_.slice(0, p_position_, p_position_ + take));
    p_position_ += take;
    missing -= take;
  }
  return torch::cat(parts);
}

pulab::BatchIds StratifiedSampler::next() {
  const auto u = u_order_.slice(0, batch_ * u_count_, std::min((batch_ + 1) * u_count_, u_order_.numel()));
  ++batch_;
  return {next_positives(), u};
}

}  // namespace pulab_samplers
