#include "engine/training_step.hpp"

#include <cmath>

#include <torch/torch.h>

#include "engine/autocast_scope.hpp"

namespace pulab {

bool StepOutcome::finite() const { return std::isfinite(risk) && std::isfinite(objective); }

StepOutcome train_step(StepParts& parts, Batch& batch) {
  RunComponents& c = *parts.components;
  for (auto& r : c.regularizers) r->prepare(batch, batch.progress);

  torch::Tensor objective;
  RiskOutput out;
  {
    const AutocastScope autocast(parts.bfloat16, batch.x_p.device().type());
    // The risk sees float32 scores whatever the precision of the products that made them.
    const auto g = c.model->forward(torch::cat({batch.x_p, batch.x_u})).reshape({-1}).to(torch::kFloat);
    const Scores scores{g.slice(0, 0, batch.x_p.size(0)), g.slice(0, batch.x_p.size(0))};
    const torch::Tensor weights = c.weighting ? c.weighting->positive_weights(scores.p, batch) : torch::Tensor();
    out = c.risk->compute({scores, weights, batch.prior, batch});
    objective = out.objective;
    for (auto& r : c.regularizers) {
      torch::Tensor penalty = r->penalty(*c.model, batch, scores, batch.progress);
      if (penalty.defined()) objective = objective + penalty.to(torch::kFloat);
    }
  }
  const StepOutcome outcome{out.reported.item<double>(), objective.item<double>()};
  if (!outcome.finite()) return outcome;

  parts.optimizer->zero_grad();
  // Only the model's parameters are trained: naming them lets autograd skip every gradient nobody
  // reads, e.g. the gradient penalty's input-gradient of its interpolates (a leaf that requires
  // grad), the largest product of the first layer.
  torch::autograd::backward({objective}, {}, /*retain_graph=*/{}, false, parts.parameters);
  parts.optimizer->step();
  return outcome;
}

}  // namespace pulab
