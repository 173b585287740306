// PULDA's momentum estimate of a mini-batch mean. A distance d(E_U[s], pi) evaluated at the mean of
// one mini-batch is a biased estimate of the distance at the population mean (d is not linear);
// PULDA replaces the batch mean by an exponential moving average over the steps,
//   m_t = alpha m_{t-1} + (1 - alpha) mean_batch_t,   m_{t-1} detached,
// and multiplies the distance by 1 / (1 - alpha) so that the gradient with respect to the batch's
// scores keeps the size it would have without the average (d'(m_t) * dmean/dtheta). The first step
// uses the batch mean alone (scale 1) and starts the average. alpha_U = 0.85 for E_U[s] and
// alpha_CN = 0.5 for the two margin averages C_P^-, C_U^- are the authors' defaults
// (train.py); the first-step rule and the 1 / (1 - alpha) factor are those of their code
// (losses/distributionLoss.py, twoWaySigmoidLoss.py).
// pulab updates the averages only at training steps (a batch with a SampleState): the evaluation's
// call of the risk on the validation set (docs/reporting.md, "PU risk") uses its own full-set means
// and leaves the averages alone, so training never depends on evaluation (the authors' validate()
// passes test batches through the same loss object and so moves its average; pulab does not).
#include <torch/types.h>

#include "pulda.hpp"

namespace pulab_pulda {

MomentumMean::Estimate MomentumMean::update(const torch::Tensor& batch_mean) {
  if (!value_.defined()) {
    value_ = batch_mean.detach();
    return {batch_mean, 1.0};
  }
  const auto previous = value_.to(batch_mean.device(), batch_mean.dtype());
  const auto estimate = alpha_ * previous + (1.0 - alpha_) * batch_mean;
  value_ = estimate.detach();
  return {estimate, 1.0 / (1.0 - alpha_)};
}

void MomentumMean::save(torch::serialize::OutputArchive& archive, const std::string& key) const {
  // An average not started yet is saved as an empty tensor.
  archive.write(key, value_.defined() ? value_.detach().cpu().reshape({1}) : torch::zeros({0}));
}

void MomentumMean::load(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor t;
  archive.read(key, t);
  value_ = t.numel() == 0 ? torch::Tensor() : t.reshape({});
}

}  // namespace pulab_pulda
