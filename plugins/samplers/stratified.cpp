#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include <pulab/error.hpp>

#include "samplers.hpp"

namespace pulab_samplers {

void CyclingOrder::reset(torch::Tensor ids) {
  ids_ = std::move(ids);
  order_ = ids_.index_select(0, torch::randperm(ids_.numel(), torch::TensorOptions().dtype(torch::kLong)));
  position_ = 0;
}

torch::Tensor CyclingOrder::take(std::int64_t count) {
  std::vector<torch::Tensor> parts;
  while (count > 0) {
    if (position_ == order_.numel()) reset(ids_);  // this order is used up: draw a new one
    const std::int64_t n = std::min(count, order_.numel() - position_);
    parts.push_back(order_.slice(0, position_, position_ + n));
    position_ += n;
    count -= n;
  }
  return parts.size() == 1 ? parts.front() : torch::cat(parts);
}

pulab::Schema StratifiedSampler::schema() {
  return {pulab::param::real("p_share", 0.5, "fraction of train.batch_size that is labeled positives").range(0, 1),
          pulab::param::boolean("skip_inactive", false, "leave out samples whose state.active is false"),
          pulab::param::integer("batches_per_epoch", 0, "batches per epoch; 0 = one pass over U").at_least(0)};
}

StratifiedSampler::StratifiedSampler(const pulab::Params& p)
    : p_share_(p.real("p_share")), skip_inactive_(p.boolean("skip_inactive")),
      fixed_batches_(p.integer("batches_per_epoch")) {}

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
  return fixed_batches_ > 0 ? fixed_batches_ : (setup.n_unlabeled + u_count_ - 1) / u_count_;
}

std::int64_t StratifiedSampler::begin_epoch(const pulab::SampleState& state, const pulab::Progress&) {
  // U's order first, then P's: the order in which the epoch takes numbers from the generator.
  u_.reset(candidate_ids(state, false, skip_inactive_));
  p_.reset(candidate_ids(state, true, skip_inactive_));
  if (p_.size() == 0 || u_.size() == 0) {
    throw pulab::Error("sampler 'stratified': no active labeled positive or unlabeled sample is left");
  }
  return fixed_batches_ > 0 ? fixed_batches_ : (u_.size() + u_count_ - 1) / u_count_;
}

pulab::BatchIds StratifiedSampler::next() {
  // In a pass over U the last batch holds what is left of it.
  pulab::BatchIds ids;
  ids.p = p_.take(p_count_);
  ids.u = u_.take(fixed_batches_ > 0 ? u_count_ : std::min(u_count_, u_.remaining()));
  return ids;
}

}  // namespace pulab_samplers
