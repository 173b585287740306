// Hook `predictive_trend`: Holistic-PU's two phases around the training steps (Wang et al.,
// NeurIPS 2023).
//   run start     U's targets state.pseudo_label := 0 (U treated as negative while recording);
//                 with reinitialize, a fresh model of the run's architecture is drawn (created
//                 through the engine, so it is checkpointed) as phase 2's starting point
//   record r,     s_r(x) = sigmoid(g(x)) of every U sample (the model's predicted probability of
//   r = 1..T      the positive class, in eval mode) -> state column holistic_pu_score_<r>;
//                 T = record_epochs. When: record_every_steps = 0 (default): at the end of
//                 epochs 1..T; record_every_steps = k > 0: after optimizer steps k, 2k, ..., Tk of
//                 the run (after_step; the steps are counted by the hook, saved in checkpoints)
//   record T      the trend score of each U sample from s_1..s_T (trend_score.cpp: `catoni` or
//                 `simplified`) -> column holistic_pu_trend; b = the two-class natural break of
//                 the trend scores (natural_break.cpp); label(x) = 1 if trend(x) > b else 0
//                 (negatives' scores keep falling, positives' do not) -> column holistic_pu_label;
//                 with write_prior, the run's prior := the share of U labeled 1
//   phase 2       per epoch: at the start of epoch T (0-based) the run's model gets the fresh
//                 model's parameters and buffers (reinitialize) and the run's Adam starts afresh
//                 (fresh_optimizer), and at the start of every epoch
//                 e >= T U's targets y~ = lambda_e * label, lambda_e = ((e - T) / (epochs - T))^
//                 label_ramp (label_ramp = 0: lambda = 1). Per k steps: right after record T (the
//                 step Tk, mid-epoch if it falls there) the same switch, and y~ = lambda * label
//                 with lambda = ((steps done - Tk) / (total steps - Tk))^label_ramp, set at the
//                 switch and at the start of each later epoch
// Choices beyond the paper, from the authors' code (wxr99/HolisticPU) unless marked ours:
//   - when to record: the paper scores U once per training epoch; the code's "epoch" is 512 steps
//     of 64 positives + 64 unlabeled (about 0.56 of a pass over U and 34 passes over the 1000
//     labeled positives on F-MNIST). record_every_steps = 0 is that reading in pulab's units (one
//     pass over U with the stratified sampler); k > 0 records every k steps, for protocols whose
//     learner fits the labeled positives within one epoch (ours: on MNIST per-epoch records
//     invert the labels; the composition records once per pass over P, k = 1000 / 125 = 8, see
//     docs/methods.md for the measurements). The default T = 15 is theirs;
//   - the scores come from the run's model (their recorder uses an EMA copy, decay 0.999: ours
//     leaves it out);
//   - phase 2 starts from a new initialisation and a new Adam (fresh_optimizer; pulab 0.2 kept the
//     run's Adam moments across the switch), as their code trains a new model with a new optimizer
//     (theirs SGD with its own cosine schedule); the run's learning-rate schedule runs on (ours);
//   - label_ramp: their phase-2 targets mix the labels with "U negative" by (epoch / epochs)^0.8;
//     the default 0 hands the labels over at once (ours: the paper trains on the labels);
//   - break_cap: their code, when the first break is positive, finds it again among the trend
//     scores below 0.2/9 (a helper named three_sigma); off by default (0).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <torch/types.h>
#include <torch/utils.h>

#include <pulab/error.hpp>
#include <pulab/model.hpp>

#include "holistic_pu.hpp"

namespace pulab_holistic_pu {

const char* const PredictiveTrend::kTrendColumn = "holistic_pu_trend";
const char* const PredictiveTrend::kLabelColumn = "holistic_pu_label";

std::string PredictiveTrend::score_column(std::int64_t record) {
  return "holistic_pu_score_" + std::to_string(record);
}

pulab::Schema PredictiveTrend::schema() {
  return {pulab::param::integer("record_epochs", 15,
                                "T: the number of score records of U (after each of the first T epochs, or every "
                                "record_every_steps steps); the trend labels follow record T")
              .range(2, 10000),
          pulab::param::integer("record_every_steps", 0,
                                "0 = record U's scores at the end of each epoch; k > 0 = after every k optimizer "
                                "steps (steps k, 2k, ..., Tk), phase 2 starting right after step Tk")
              .at_least(0),
          pulab::param::text("trend", "catoni", "trend score: catoni (robust mean of the score changes) or simplified "
                                                "(mean log(1 + d + d^2/2), the authors' code)")
              .one_of({"catoni", "simplified"}),
          pulab::param::real("alpha", 1.0, "catoni: scale of the changes inside psi (-> 0: the plain mean)")
              .range(1e-3, 1e3),
          pulab::param::real("break_cap", 0.0, "0 = off; else a positive break is found again among the trend "
                                               "scores below break_cap (the authors' code: 0.2/9)")
              .range(0, 2),
          pulab::param::real("label_ramp", 0.0, "phase-2 targets lambda * label, lambda = (progress of phase 2)^"
                                                "label_ramp; 0 = the labels at once (the authors' code: 0.8)")
              .range(0, 10),
          pulab::param::boolean("reinitialize", true, "start phase 2 from a fresh initialisation of the model"),
          pulab::param::boolean("fresh_optimizer", true,
                                "start phase 2 with a new Adam (moments and step counts dropped), as the authors' "
                                "code builds a new optimizer"),
          pulab::param::boolean("write_prior", false, "set the run's prior to the share of U labeled positive")};
}

PredictiveTrend::PredictiveTrend(const pulab::Params& p)
    : record_epochs_(p.integer("record_epochs")), record_every_steps_(p.integer("record_every_steps")),
      catoni_(p.text("trend") == "catoni"), alpha_(p.real("alpha")), break_cap_(p.real("break_cap")),
      label_ramp_(p.real("label_ramp")), reinitialize_(p.boolean("reinitialize")),
      fresh_optimizer_(p.boolean("fresh_optimizer")), write_prior_(p.boolean("write_prior")) {}

pulab::StateUse PredictiveTrend::state_use() const {
  pulab::StateUse use;
  use.writes = {"pseudo_label", kTrendColumn, kLabelColumn};
  for (std::int64_t r = 1; r <= record_epochs_; ++r) use.writes.push_back(score_column(r));
  use.writes_prior = write_prior_;
  return use;
}

double PredictiveTrend::label_weight(std::int64_t epoch, std::int64_t epochs) const {
  if (epoch < record_epochs_) return 0.0;
  if (label_ramp_ == 0) return 1.0;
  return std::pow(double(epoch - record_epochs_) / double(epochs - record_epochs_), label_ramp_);
}

double PredictiveTrend::step_label_weight(std::int64_t steps_done, std::int64_t total_steps) const {
  const std::int64_t start = record_epochs_ * record_every_steps_;
  if (steps_done < start) return 0.0;
  if (label_ramp_ == 0) return 1.0;
  return std::pow(std::min(1.0, double(steps_done - start) / double(total_steps - start)), label_ramp_);
}

void PredictiveTrend::on_run_start(pulab::TrainingContext& context) {
  if (record_every_steps_ == 0 && record_epochs_ >= context.epochs()) {
    throw pulab::Error("hook 'predictive_trend': hook.predictive_trend.record_epochs = " +
                       std::to_string(record_epochs_) + " leaves no epoch to train on the trend labels in a run of " +
                       "train.epochs = " + std::to_string(context.epochs()) +
                       "; set record_epochs below train.epochs");
  }
  const std::int64_t total_steps = context.progress().total_iterations;
  if (record_every_steps_ > 0 && record_epochs_ * record_every_steps_ >= total_steps) {
    throw pulab::Error("hook 'predictive_trend': hook.predictive_trend.record_epochs = " +
                       std::to_string(record_epochs_) + " records every hook.predictive_trend.record_every_steps = " +
                       std::to_string(record_every_steps_) + " steps take " +
                       std::to_string(record_epochs_ * record_every_steps_) +
                       " steps, which leaves none to train on the trend labels in a run of " +
                       std::to_string(total_steps) + " steps (train.epochs x batches per epoch); lower either key");
  }
  steps_ = 0;
  pulab::SampleState& state = context.state();
  for (std::int64_t r = 1; r <= record_epochs_; ++r) state.column(score_column(r));
  state.column(kTrendColumn);
  state.column(kLabelColumn);
  state.pseudo_label.index_fill_(0, state.unlabeled_ids(), 0.0f);
  if (reinitialize_) {
    fresh_ = context.create_model("predictive_trend.initial");
    for (auto& parameter : fresh_->parameters()) parameter.set_requires_grad(false);
  }
}

void PredictiveTrend::record(pulab::TrainingContext& context, std::int64_t r) {
  pulab::SampleState& state = context.state();
  const auto u = state.unlabeled_ids();
  state.column(score_column(r)).index_copy_(0, u, torch::sigmoid(context.score(u)));
  if (r == record_epochs_) label_from_trends(context);
}

void PredictiveTrend::after_step(pulab::TrainingContext& context, const pulab::Batch&) {
  if (record_every_steps_ == 0) return;
  ++steps_;
  if (steps_ % record_every_steps_ != 0 || steps_ / record_every_steps_ > record_epochs_) return;
  const std::int64_t r = steps_ / record_every_steps_;
  record(context, r);
  if (r < record_epochs_) return;
  // Phase 2 begins with the run's next step.
  begin_phase_two(context);
  hand_over_labels(context, step_label_weight(steps_, context.progress().total_iterations));
}

void PredictiveTrend::on_epoch_end(pulab::TrainingContext& context) {
  if (record_every_steps_ > 0) return;
  const std::int64_t epoch = context.progress().epoch;  // 0-based
  if (epoch < record_epochs_) record(context, epoch + 1);
}

void PredictiveTrend::label_from_trends(pulab::TrainingContext& context) {
  pulab::SampleState& state = context.state();
  const auto u = state.unlabeled_ids();
  std::vector<torch::Tensor> history;
  for (std::int64_t r = 1; r <= record_epochs_; ++r) history.push_back(state.column(score_column(r)).index_select(0, u));
  const auto scores = torch::stack(history, 1);  // [n_u, T]
  const auto trend = catoni_ ? catoni_trend(scores, alpha_) : simplified_trend(scores);
  double cut = natural_break(trend);
  if (break_cap_ > 0 && cut > 0) {
    const auto below = trend.masked_select(trend < break_cap_);
    if (below.numel() >= 2) cut = natural_break(below);
  }
  const auto label = (trend > cut).to(torch::kFloat);
  state.column(kTrendColumn).index_copy_(0, u, trend.to(torch::kFloat));
  state.column(kLabelColumn).index_copy_(0, u, label);
  if (write_prior_) {
    const double share = label.mean().item<double>();
    context.set_prior(std::min(0.999, std::max(0.001, share)));
  }
}

void PredictiveTrend::begin_phase_two(pulab::TrainingContext& context) {
  if (reinitialize_) reinitialize_model(context);
  if (fresh_optimizer_) context.reset_optimizer();
}

void PredictiveTrend::reinitialize_model(pulab::TrainingContext& context) {
  torch::NoGradGuard no_grad;
  pulab::ScoreModel& model = context.model();
  const auto target = model.parameters(), source = fresh_->parameters();
  for (std::size_t i = 0; i < target.size(); ++i) target[i].copy_(source[i]);
  const auto target_buffers = model.buffers(), source_buffers = fresh_->buffers();
  for (std::size_t i = 0; i < target_buffers.size(); ++i) target_buffers[i].copy_(source_buffers[i]);
}

void PredictiveTrend::hand_over_labels(pulab::TrainingContext& context, double lambda) {
  pulab::SampleState& state = context.state();
  const auto u = state.unlabeled_ids();
  state.pseudo_label.index_copy_(0, u, float(lambda) * state.column(kLabelColumn).index_select(0, u));
}

void PredictiveTrend::on_epoch_start(pulab::TrainingContext& context) {
  if (record_every_steps_ > 0) {
    // Phase 2 began at step Tk (after_step); each later epoch refreshes the ramped targets.
    if (steps_ >= record_epochs_ * record_every_steps_) {
      hand_over_labels(context, step_label_weight(steps_, context.progress().total_iterations));
    }
    return;
  }
  const std::int64_t epoch = context.progress().epoch;
  if (epoch < record_epochs_) return;
  if (epoch == record_epochs_) begin_phase_two(context);
  hand_over_labels(context, label_weight(epoch, context.epochs()));
}

void PredictiveTrend::save(torch::serialize::OutputArchive& archive) const {
  archive.write("steps", torch::tensor(steps_, torch::kLong));
}

void PredictiveTrend::load(torch::serialize::InputArchive& archive) {
  torch::Tensor steps;
  if (archive.try_read("steps", steps)) steps_ = steps.item<std::int64_t>();
}

}  // namespace pulab_holistic_pu
