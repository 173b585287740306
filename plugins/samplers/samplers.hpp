#pragma once
// The batch samplers of the `samplers` plugin (registered in plugin.cpp).
#include <cstdint>

#include <torch/types.h>

#include <pulab/batch_sampler.hpp>
#include <pulab/params.hpp>

namespace pulab_samplers {

// Ids of the samples of one side that a sampler may draw: all of them, or the active ones.
torch::Tensor candidate_ids(const pulab::SampleState& state, bool labeled, bool skip_inactive);

// Algorithm 1 of the GradPU paper: each epoch shuffles P u U and cuts it into batches of
// train.batch_size. A batch that happens to hold no labeled positive (or no unlabeled sample) gets
// the expected count of that side drawn uniformly with replacement, so every batch has both.
class JointSampler final : public pulab::BatchSampler {
 public:
  static pulab::Schema schema();
  explicit JointSampler(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  std::int64_t plan(const pulab::SamplerSetup& setup) override;
  std::int64_t begin_epoch(const pulab::SampleState& state, const pulab::Progress& progress) override;
  pulab::BatchIds next() override;

 private:
  bool skip_inactive_;
  pulab::SamplerSetup setup_;
  std::int64_t fill_p_ = 1, fill_u_ = 1;
  torch::Tensor order_, fill_p_ids_, fill_u_ids_;
  std::int64_t batch_ = 0;
};

// A random order of some ids, taken from in slices; a new order is drawn whenever it runs out (a
// data loader that cycles).
class CyclingOrder {
 public:
  void reset(torch::Tensor ids);
  torch::Tensor take(std::int64_t count);
  std::int64_t size() const { return ids_.numel(); }
  std::int64_t remaining() const { return order_.numel() - position_; }

 private:
  torch::Tensor ids_, order_;
  std::int64_t position_ = 0;
};

// Fixed numbers of labeled positives and unlabeled samples per batch: round(p_share x batch_size)
// positives and the rest unlabeled. By default an epoch is one pass over U in a fresh random
// order; batches_per_epoch > 0 fixes the number of batches instead (VPU's code runs 30 per epoch).
// Both sides come from random orders drawn again whenever they run out, and fresh ones each epoch
// (the P and U loaders of VPU's code, restarted every epoch).
class StratifiedSampler final : public pulab::BatchSampler {
 public:
  static pulab::Schema schema();
  explicit StratifiedSampler(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  std::int64_t plan(const pulab::SamplerSetup& setup) override;
  std::int64_t begin_epoch(const pulab::SampleState& state, const pulab::Progress& progress) override;
  pulab::BatchIds next() override;

 private:
  double p_share_;
  bool skip_inactive_;
  std::int64_t fixed_batches_;
  std::int64_t p_count_ = 0, u_count_ = 0;
  CyclingOrder p_, u_;
};

}  // namespace pulab_samplers
