// Hook `p3mix_pool`: P3Mix's candidate mixup pool (Li, Li, Feng, Ouyang, ICLR 2022, Sec. 3): the
// `size` labeled positives with the highest predictive entropy H(sigmoid(g)), i.e. the positives
// nearest the learned boundary, with whom the marginal pseudo-negatives are mixed.
// At the start of every epoch the model scores all labeled positives (eval mode, no gradient) and
// the state column p3mix_pool becomes 1 on the pool and 0 elsewhere (sample ids of U are always 0).
// H(sigmoid(g)) falls strictly as |g| grows, so the pool is the `size` smallest |g| (ranked on |g|:
// the same order, without the ties that rounding the entropy of saturated scores would make);
// ties keep the lower sample id (stable sort). size > the number of labeled positives: all of them.
// Choices: the pool is refreshed at every epoch start, also before the risk's heuristic phase
// (start_epoch) begins, where the authors' code refreshes it only from the epoch before that phase
// on (the same pools where both exist; scoring the labeled positives is cheap).
#include <algorithm>

#include <torch/types.h>

#include <pulab/sample_state.hpp>

#include "p3mix.hpp"

namespace pulab_p3mix {

pulab::Schema CandidatePool::schema() {
  return {pulab::param::integer("size", 96, "number of labeled positives in the pool (highest entropy)").at_least(1)};
}

CandidatePool::CandidatePool(const pulab::Params& p) : size_(p.integer("size")) {}

pulab::StateUse CandidatePool::state_use() const {
  pulab::StateUse use;
  use.writes = {kPoolColumn};
  return use;
}

void CandidatePool::on_run_start(pulab::TrainingContext& context) { pool_ = &context.state().column(kPoolColumn); }

void CandidatePool::on_epoch_start(pulab::TrainingContext& context) {
  const auto ids = context.state().labeled_ids();
  const std::int64_t k = std::min<std::int64_t>(size_, ids.numel());
  const auto distance = context.score(ids).abs();  // |g|: smaller = higher entropy
  const auto order = std::get<1>(torch::sort(distance, /*stable=*/true, /*dim=*/0, /*descending=*/false));
  pool_->zero_();
  pool_->index_fill_(0, ids.index_select(0, order.slice(0, 0, k)), 1.0);
}

}  // namespace pulab_p3mix
