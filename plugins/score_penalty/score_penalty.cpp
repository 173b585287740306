// Penalizes large scores on the batch: keeps g near the decision boundary scale.
#include <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/regularizer.hpp>

namespace {

class ScorePenalty final : public pulab::Regularizer {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("weight", 0.01, "strength of the penalty").range(0, 100)};
  }
  explicit ScorePenalty(const pulab::Params& p) : weight_(p.real("weight")) {}

  torch::Tensor penalty(pulab::ScoreModel&, const pulab::Batch&, const pulab::Scores& scores,
                        const pulab::Progress&) override {
    return weight_ * torch::cat({scores.p, scores.u}).square().mean();
  }

 private:
  double weight_;  // read once here: the training step never looks up a string
};

}  // namespace

PULAB_PLUGIN("score_penalty", "1.0.0") {
  registrar.add<pulab::Regularizer, ScorePenalty>("score_penalty", "weight * mean(g^2) over the batch");
}
