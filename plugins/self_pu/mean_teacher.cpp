// Regularizer and hook `mean_teacher` (Tarvainen & Valpola 2017, as Self-PU uses it): a teacher
// model of the same architecture whose parameters follow the student's,
//   theta_T <- decay theta_T + (1 - decay) theta_S   after each step from ema_start_epoch on,
//   theta_T <- theta_S                               before (the teacher tracks the student),
// and the consistency penalty on the batch (P and U),
//   w(t) mean (sigmoid g_S(x) - sigmoid g_T(x))^2,   w(t) = weight exp(-5 (1 - t)^2),
//   t = min(1, epoch / rampup_epochs)   (the sigmoid ramp-up of the mean-teacher paper).
// The teacher's scores carry no gradient. The teacher is created through the engine (same
// [model] table), lives on the run's device and is saved in checkpoints; the run is evaluated
// with the student, the model the engine trains.
#include <cmath>

#include <torch/torch.h>

#include "self_pu.hpp"

namespace pulab_self_pu {

pulab::Schema MeanTeacher::schema() {
  return {pulab::param::real("weight", 0.3, "consistency weight after the ramp-up").at_least(0),
          pulab::param::real("ema_decay", 0.999, "EMA decay of the teacher's parameters").range(0, 1),
          pulab::param::integer("ema_start_epoch", 50, "0-based epoch from which the teacher averages").at_least(0),
          pulab::param::integer("rampup_epochs", 50, "epochs of the sigmoid ramp-up of the weight").at_least(0)};
}

MeanTeacher::MeanTeacher(const pulab::Params& p)
    : weight_(p.real("weight")), decay_(p.real("ema_decay")), ema_start_(p.integer("ema_start_epoch")),
      rampup_(p.integer("rampup_epochs")) {}

double MeanTeacher::weight_at(std::int64_t epoch) const {
  if (rampup_ == 0) return weight_;
  const double t = std::min(1.0, double(epoch) / double(rampup_));
  return weight_ * std::exp(-5.0 * (1.0 - t) * (1.0 - t));
}

void MeanTeacher::on_run_start(pulab::TrainingContext& context) {
  student_ = &context.model();
  teacher_ = context.create_model("mean_teacher.teacher");
  torch::NoGradGuard no_grad;
  const auto student = student_->parameters();
  const auto teacher = teacher_->parameters();
  for (std::size_t i = 0; i < teacher.size(); ++i) {
    teacher[i].copy_(student[i]);
    teacher[i].set_requires_grad(false);
  }
}

void MeanTeacher::after_step(pulab::TrainingContext& context, const pulab::Batch&) {
  torch::NoGradGuard no_grad;
  const auto student = student_->parameters();
  const auto teacher = teacher_->parameters();
  const bool averaging = context.progress().epoch >= ema_start_;
  for (std::size_t i = 0; i < teacher.size(); ++i) {
    if (averaging) {
      teacher[i].mul_(decay_).add_(student[i], 1.0 - decay_);
    } else {
      teacher[i].copy_(student[i]);
    }
  }
}

torch::Tensor MeanTeacher::penalty(pulab::ScoreModel&, const pulab::Batch& batch, const pulab::Scores& scores,
                                   const pulab::Progress& progress) {
  const double w = weight_at(progress.epoch);
  if (w == 0) return {};
  torch::Tensor teacher_scores;
  {
    torch::NoGradGuard no_grad;
    teacher_scores = teacher_->forward(torch::cat({batch.x_p, batch.x_u})).reshape({-1}).to(torch::kFloat);
  }
  const auto student_scores = torch::cat({scores.p, scores.u});
  return w * (torch::sigmoid(student_scores) - torch::sigmoid(teacher_scores)).square().mean();
}

}  // namespace pulab_self_pu
