// Risk `robust_pu` (Zhu et al., KDD 2023): the objective of both phases of Robust-PU.
//   pre-training, epochs [0, pretrain_epochs):
//     nnPU (Kiryo et al. 2017) with the class prior pi of U: pi R_p^+ + max(0, R_u^- - pi R_p^-) with the
//     official correction step (pulab/unbiased_risk.hpp), sigmoid loss by default
//   self-paced episodes, every later epoch, `episode_risk`:
//     "bce" (the authors' default): the weighted cross-entropy of P as positive and all of U as negative,
//       R = ( sum_{i in P_b} w_i l(g_i, +1) + sum_{j in U_b} w_j l(g_j, -1) ) / (|P_b| + |U_b|)
//     "nnpu" (the code's `loss = nnpu` option): nnPU with every sample's loss multiplied by its weight,
//       positive = pi mean_P(w l(g, +1)), negative = mean_U(w l(g, -1)) - pi mean_P(w l(g, -1)),
//       with the same correction step as pre-training
//     over the batch's labeled positives P_b and unlabeled samples U_b, w the per-sample weights the
//     hook (self_paced_episodes.cpp) wrote into SampleState::weight, l = `loss` (logistic = BCE)
// "bce" divides the weighted sum by the batch size, not by the sum of the weights, as the authors'
// code does (lossFunc.py, bce_loss: mean of weight * BCE over a batch of shuffled P and U); the
// `joint` sampler gives the same batches (a shuffle of P u U). A SampleWeighting's positive weights,
// if one is composed, multiply w_i. Decision: sign(g).
// Choices beyond the paper: the authors' code pre-trains with nnPU (its default `pre_loss`) in a
// separate run (400 epochs, Adam lr 1e-3, batch 64) and then trains each episode with a fresh Adam
// (lr 1e-4); here both phases are epochs of one run with the run's learning-rate schedule,
// `pretrain_epochs` says where the phase switches, and each episode starts a new Adam as the code's
// does (`fresh_optimizer`, default true; false keeps one Adam for the whole run, pulab's behaviour
// before 0.3.0). The prior is needed while
// pre-training and by episode_risk = "nnpu"; a run with pretrain_epochs = 0 and "bce" never reads it.
#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include <pulab/error.hpp>
#include <pulab/sample_state.hpp>
#include <pulab/unbiased_risk.hpp>

#include "robust_pu.hpp"

namespace pulab_robust_pu {

namespace {
pulab::ParamSpec margin_loss(const std::string& key, const std::string& def, const std::string& help) {
  return pulab::param::text(key, def, help).one_of({"sigmoid", "logistic", "abs", "squared"});
}
pulab::ParamSpec schedule_kind(const std::string& key, const std::string& side) {
  return pulab::param::text(key, "linear", "training scheduler of the threshold for " + side +
                                               ": const, linear, convex (sin), concave (1 - base^k), exp")
      .one_of({"const", "linear", "convex", "concave", "exp"});
}
pulab::ParamSpec threshold(const std::string& key, double def, const std::string& help) {
  return pulab::param::real(key, def, help).range(1e-6, 1e6);
}
ThresholdSchedule schedule_from(const pulab::Params& p, const std::string& side) {
  ThresholdSchedule s;
  s.kind = ThresholdSchedule::parse(p.text("schedule_" + side));
  s.start = p.real("threshold_start_" + side);
  s.max = p.real("threshold_max_" + side);
  s.grow = p.integer("grow_episodes_" + side);
  s.rate = p.real("exp_rate");
  s.base = p.real("concave_base");
  return s;
}
}  // namespace

pulab::Schema RobustPu::schema() {
  return {
      pulab::param::integer("pretrain_epochs", 50, "epochs of nnPU pre-training before the first self-paced episode")
          .at_least(0),
      margin_loss("pretrain_loss", "sigmoid", "nnPU pre-training: margin loss (sigmoid, logistic, abs, squared)"),
      pulab::param::real("beta", 0.0, "nnPU (pre-training, episode_risk nnpu): correct when R_u^- - pi R_p^- < -beta")
          .at_least(0),
      pulab::param::real("gamma", 1.0, "nnPU (pre-training, episode_risk nnpu): step size of the correction")
          .at_least(0),
      pulab::param::text("episode_risk", "bce",
                         "self-paced phase: weighted P-vs-U cross-entropy (bce) or weighted nnPU (nnpu)")
          .one_of({"bce", "nnpu"}),
      margin_loss("loss", "logistic", "self-paced phase: margin loss of the weighted objective (logistic = BCE)"),
      pulab::param::integer("inner_epochs", 1, "epochs per self-paced episode (weights recomputed at its start)")
          .at_least(1),
      pulab::param::text("hardness", "logistic", "hardness h = l(g / tau, y): logistic or sigmoid loss")
          .one_of({"logistic", "sigmoid"}),
      pulab::param::real("temperature_p", 1.0, "temperature tau of the labeled positives' hardness").range(1e-3, 1e3),
      pulab::param::real("temperature_n", 1.0, "temperature tau of the unlabeled samples' hardness").range(1e-3, 1e3),
      pulab::param::text("spl", "welsch", "self-paced weight v(h; lambda): hard, linear, welsch, cauchy")
          .one_of({"hard", "linear", "welsch", "cauchy"}),
      schedule_kind("schedule_p", "labeled positives"),
      schedule_kind("schedule_n", "unlabeled samples"),
      threshold("threshold_start_p", 0.1, "threshold lambda of the labeled positives at the first episode"),
      threshold("threshold_start_n", 0.1, "threshold lambda of the unlabeled samples at the first episode"),
      threshold("threshold_max_p", 2.0, "threshold the labeled positives' schedule grows to"),
      threshold("threshold_max_n", 2.0, "threshold the unlabeled samples' schedule grows to"),
      pulab::param::integer("grow_episodes_p", 10, "episodes for the labeled positives' threshold to reach its max")
          .at_least(1),
      pulab::param::integer("grow_episodes_n", 10, "episodes for the unlabeled samples' threshold to reach its max")
          .at_least(1),
      pulab::param::real("exp_rate", 1.1, "schedule exp: lambda(k) = start * exp_rate^k").range(1e-3, 1e3),
      pulab::param::real("concave_base", 0.5, "schedule concave: lambda(k) = start + (max - start)(1 - base^k)")
          .range(0, 0.999),
      pulab::param::real("momentum", 0.0, "moving average of a sample's weight over episodes: phi w_old + (1 - phi) w")
          .range(0, 0.999),
      pulab::param::boolean("fresh_optimizer", true,
                            "start a new Adam (moments and step counts dropped) at every episode, as the authors' code")};
}

RobustPu::RobustPu(const pulab::Params& p)
    : pretrain_epochs_(p.integer("pretrain_epochs")),
      pretrain_loss_(pulab::parse_loss(p.text("pretrain_loss"))),
      beta_(p.real("beta")),
      gamma_(p.real("gamma")),
      episode_nnpu_(p.text("episode_risk") == "nnpu"),
      loss_(pulab::parse_loss(p.text("loss"))),
      inner_epochs_(p.integer("inner_epochs")),
      hardness_loss_(pulab::parse_loss(p.text("hardness"))),
      temperature_p_(p.real("temperature_p")),
      temperature_n_(p.real("temperature_n")),
      self_paced_(parse_self_paced(p.text("spl"))),
      schedule_p_(schedule_from(p, "p")),
      schedule_n_(schedule_from(p, "n")),
      momentum_(p.real("momentum")),
      fresh_optimizer_(p.boolean("fresh_optimizer")) {}

pulab::StateUse RobustPu::state_use() const {
  pulab::StateUse use;
  use.reads = {"weight"};
  use.writes = {"weight"};
  return use;
}

pulab::RiskOutput RobustPu::compute(const pulab::RiskInput& in) {
  const pulab::Batch& batch = in.batch;
  const bool pretraining = batch.progress.epoch < pretrain_epochs_;
  if ((pretraining || episode_nnpu_) && !(in.prior > 0 && in.prior < 1)) {  // also NaN
    throw pulab::Error("risk 'robust_pu': nnPU (" + std::string(pretraining ? "pre-training" : "episode_risk") +
                       ") needs the class prior of U in (0, 1), got " + std::to_string(in.prior) +
                       "; set split.prior (or split.prior = \"estimate\")" +
                       (pretraining ? ", or risk.pretrain_epochs = 0" : ", or risk.episode_risk = \"bce\""));
  }
  if (pretraining) return pulab::nonnegative_risk(pulab::unbiased_risk_terms(pretrain_loss_, in), beta_, gamma_);

  const auto& g_p = in.scores.p;
  const auto& g_u = in.scores.u;
  auto w_p = batch.p_of(batch.state->weight).to(g_p.dtype());
  if (in.positive_weights.defined()) w_p = w_p * in.positive_weights;
  const auto w_u = batch.u_of(batch.state->weight).to(g_u.dtype());
  if (episode_nnpu_) {
    const pulab::UnbiasedRiskTerms terms{
        in.prior * (w_p * pulab::loss_positive(loss_, g_p)).mean(),
        (w_u * pulab::loss_negative(loss_, g_u)).mean() - in.prior * (w_p * pulab::loss_negative(loss_, g_p)).mean()};
    return pulab::nonnegative_risk(terms, beta_, gamma_);
  }
  const auto total = (w_p * pulab::loss_positive(loss_, g_p)).sum() + (w_u * pulab::loss_negative(loss_, g_u)).sum();
  const auto risk = total / double(std::max<std::int64_t>(1, g_p.numel() + g_u.numel()));
  return {risk, risk.detach()};
}

}  // namespace pulab_robust_pu
