// focal_weighting: a focal-style weighting of the labeled positives, the idea of the focal loss
// (Lin et al., 2017) applied to the positive terms of a PU risk:
//   w_i = (1 - sigmoid(g_i))^gamma
// sigmoid(g_i) is how confidently positive i is already called positive; an easy positive
// (g >> 0) gets a weight near 0, a hard one (g << 0) a weight near 1, so training concentrates on
// the positives the model still gets wrong. gamma = 0 gives every positive weight 1; larger gamma
// focuses harder. Not in the GradPU paper, whose upweighting (positive_upweighting) is unnormalized
// and ramped over the run.
//
// normalize (default true) divides the batch's weights by their mean, so they average 1: the
// positive terms of the risk keep their scale (and the unbiased risk its balance with the prior)
// and only the distribution over positives changes. max_weight then caps a single weight, since
// one hard positive among easy ones would otherwise carry the whole positive term.
// detach (default true) treats w as a constant; detach = false lets the gradient flow through the
// weight too, which is the focal loss's own gradient when normalize = false.
//
// Computed from gamma * logsigmoid(-g), in log space: the same numbers, finite for any score.
#include <cmath>

#include <torch/types.h>  // tensors and their operations: half the compile time of <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/sample_weighting.hpp>

namespace {

class FocalWeighting final : public pulab::SampleWeighting {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("gamma", 2.0, "focusing exponent: 0 = every weight 1").range(0, 10),
            pulab::param::boolean("normalize", true, "rescale the batch's weights to mean 1"),
            pulab::param::real("max_weight", 10.0, "cap of a normalized weight").at_least(1),
            pulab::param::boolean("detach", true, "treat w as a constant (no gradient through the weight)")};
  }
  explicit FocalWeighting(const pulab::Params& p)
      : gamma_(p.real("gamma")),
        max_weight_(p.real("max_weight")),
        normalize_(p.boolean("normalize")),
        detach_(p.boolean("detach")) {}

  torch::Tensor positive_weights(const torch::Tensor& g_p, const pulab::Batch& /*batch*/) override {
    if (gamma_ == 0 || g_p.numel() == 0) return {};  // all ones: the risk skips the multiplication
    const auto g = detach_ ? g_p.detach() : g_p;
    const auto log_w = gamma_ * torch::log_sigmoid(-g);
    if (!normalize_) return torch::exp(log_w);
    // w / mean(w) in log space: exact even when every w underflows (all positives fitted).
    const double log_n = std::log(double(g.numel()));
    return torch::exp(log_w - torch::logsumexp(log_w, 0) + log_n).clamp_max(max_weight_);
  }

 private:
  double gamma_;
  double max_weight_;
  bool normalize_;
  bool detach_;
};

}  // namespace

PULAB_PLUGIN("focal_weighting", "1.0.0") {
  registrar.add<pulab::SampleWeighting, FocalWeighting>(
      "focal_weighting", "focal-style w_p = (1 - sigmoid g)^gamma, normalized to mean 1 over the batch");
}
