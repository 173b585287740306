// Risk `pulda`: PULDA's objective without its mixup (Jiang et al., TPAMI 2023), with s = sigmoid(g),
//   R = 2 pi (1 - E_P[s]) + d_tau(E_U[s], pi)                     label distribution alignment
//     + pi C_P^+ + d_1(C_U^-, pi C_P^-)                            two-way sigmoid margin term
// (label_distribution.cpp, two_way_sigmoid.cpp). During training the three means inside a distance,
// E_U[s], C_P^- and C_U^-, are momentum estimates and their distances are scaled by 1 / (1 - alpha)
// (momentum_mean.cpp); `momentum = false` uses the batch means. The reported risk is always R with
// the batch's own means (so a logged risk and the validation "PU risk" mean the same thing); the
// objective differs from it only through the momentum estimates.
// Decision rule: sign(g), i.e. s >= 1/2, as the authors' evaluation.
// Choices beyond the paper / the authors' code, all in /work/drafts/pulda.md:
//   - weights of a SampleWeighting, when a run has one, reweight the empirical distribution of P in
//     E_P[s], C_P^+ and C_P^- (PULDA itself has none);
//   - the averages start afresh at run start and are NOT reset when the mixup stage begins (the
//     authors build new loss objects for their second stage, resetting them): one continuous
//     average; they are saved in checkpoints (a resumed run continues bit-identically);
//   - no clamp of g to [-10, 10] in this risk (the authors clamp the outputs in their second stage
//     only; pulab's `pulda_mixup` clamps its own terms);
//   - the class prior must lie in (0, 1): PULDA cannot run without it; the error names split.prior.
#include <cmath>

#include <fmt/format.h>
#include <torch/types.h>

#include <pulab/error.hpp>
#include <pulab/sample_state.hpp>

#include "pulda.hpp"

namespace pulab_pulda {

namespace {

void check_prior(double prior) {
  if (!(prior > 0 && prior < 1) || !std::isfinite(prior)) {
    throw pulab::Error(fmt::format(
        "risk 'pulda' needs the class prior of the unlabeled data in (0, 1), got {}: set split.prior to the "
        "prior (or split.prior = \"estimate\" with a [prior_estimator])",
        prior));
  }
}

}  // namespace

pulab::Schema PuldaRisk::schema() {
  return {pulab::param::real("temperature", 3.5, "tau of the softplus distance d_tau(E_U[s], pi)").range(1e-3, 1e3),
          pulab::param::boolean("two_way", true, "add the two-way sigmoid margin term against the trivial solution"),
          pulab::param::real("margin", 0.6, "margin m of the two-way sigmoid losses").range(0, 100),
          pulab::param::boolean("momentum", true, "momentum (EMA) estimates of the means inside the distances"),
          pulab::param::real("alpha_u", 0.85, "momentum of E_U[s]").range(0, 0.999),
          pulab::param::real("alpha_cn", 0.5, "momentum of C_P^- and C_U^- (the margin term)").range(0, 0.999)};
}

PuldaRisk::PuldaRisk(const pulab::Params& p)
    : tau_(p.real("temperature")), margin_(p.real("margin")), two_way_(p.boolean("two_way")),
      momentum_(p.boolean("momentum")), mean_u_(p.real("alpha_u")), margin_p_(p.real("alpha_cn")),
      margin_u_(p.real("alpha_cn")) {}

pulab::RiskOutput PuldaRisk::compute(const pulab::RiskInput& in) {
  check_prior(in.prior);
  const auto& g_p = in.scores.p;
  const auto& g_u = in.scores.u;
  const auto pi = torch::full({}, in.prior, g_u.options());

  // The batch's own means.
  const auto mean_p = weighted_mean(torch::sigmoid(g_p), in.positive_weights);
  const auto mean_u = torch::sigmoid(g_u).mean();
  torch::Tensor c_p_plus, c_p_minus, c_u_minus;
  auto reported = 2 * in.prior * (1 - mean_p) + softplus_distance(mean_u, pi, tau_);
  if (two_way_) {
    c_p_plus = weighted_mean(two_way_positive(g_p, margin_), in.positive_weights);
    c_p_minus = weighted_mean(two_way_negative(g_p, margin_), in.positive_weights);
    c_u_minus = two_way_negative(g_u, margin_).mean();
    reported = reported + in.prior * c_p_plus + softplus_distance(c_u_minus, in.prior * c_p_minus, 1.0);
  }

  // Training steps (a batch with a SampleState) use and move the momentum estimates; the
  // evaluation's call on the validation set does not.
  if (!momentum_ || in.batch.state == nullptr) return {reported, reported.detach()};
  const auto u = mean_u_.update(mean_u);
  auto objective = 2 * in.prior * (1 - mean_p) + u.scale * softplus_distance(u.value, pi, tau_);
  if (two_way_) {
    const auto cp = margin_p_.update(c_p_minus);
    const auto cu = margin_u_.update(c_u_minus);
    // Both averages share alpha_cn, hence one scale.
    objective = objective + in.prior * c_p_plus + cu.scale * softplus_distance(cu.value, in.prior * cp.value, 1.0);
  }
  return {objective, reported.detach()};
}

void PuldaRisk::on_run_start(pulab::TrainingContext& context) {
  check_prior(context.prior());
  mean_u_.reset();
  margin_p_.reset();
  margin_u_.reset();
}

void PuldaRisk::save(torch::serialize::OutputArchive& archive) const {
  mean_u_.save(archive, "mean_u");
  margin_p_.save(archive, "margin_p");
  margin_u_.save(archive, "margin_u");
}

void PuldaRisk::load(torch::serialize::InputArchive& archive) {
  mean_u_.load(archive, "mean_u");
  margin_p_.load(archive, "margin_p");
  margin_u_.load(archive, "margin_u");
}

}  // namespace pulab_pulda
