// Hook `p3mix_teacher`: the mean teacher that gives P3Mix-E its early-learning targets (Li, Li,
// Feng, Ouyang, ICLR 2022, Sec. 3, with the early-learning regularisation of Liu et al., NeurIPS
// 2020, whose ELR+ takes its targets from a weight-averaged model).
//   run start   a teacher of the run's architecture (created through the engine, checkpointed)
//               starts as a copy of the model
//   epoch end   from 0-based epoch `ema_start_epoch` = s on, after epoch e:
//                 a = min(1 - 1/(e - s + 1), ema_decay),  theta_T <- a theta_T + (1 - a) theta_S
//               (a = 0 at e = s: the teacher becomes the model; then the running mean of the
//               end-of-epoch models until 1 - 1/(e - s + 1) exceeds ema_decay)
//   targets     after each of those (and at run start) the teacher scores every training sample
//               (eval mode, no gradient): state column p3mix_target = sigmoid(g_T(x)), read by
//               the risk `p3mix` as t in ELR = log(1 - (t p + (1 - t)(1 - p)))
// Choices (protocol facts from the ports of the authors' code, /work/drafts/p3mix.md): the EMA is
// applied once per epoch, not per step, with that schedule and decay 0.997; buffers (none in
// pulab's MLP) are copied from the model. Since the teacher changes only between epochs, scoring
// every sample once per epoch gives the same targets as the code's per-batch teacher pass.
#include <algorithm>

#include <torch/types.h>
#include <torch/utils.h>

#include <pulab/model.hpp>
#include <pulab/sample_state.hpp>

#include "p3mix.hpp"

namespace pulab_p3mix {

pulab::Schema EmaTeacher::schema() {
  return {pulab::param::real("ema_decay", 0.997, "largest EMA decay of the teacher, once per epoch").range(0, 1),
          pulab::param::integer("ema_start_epoch", 0, "0-based epoch after which the teacher first follows the model")
              .at_least(0)};
}

EmaTeacher::EmaTeacher(const pulab::Params& p) : decay_(p.real("ema_decay")), start_epoch_(p.integer("ema_start_epoch")) {}

pulab::StateUse EmaTeacher::state_use() const {
  pulab::StateUse use;
  use.writes = {kTargetColumn};
  return use;
}

void EmaTeacher::on_run_start(pulab::TrainingContext& context) {
  teacher_ = context.create_model("p3mix_teacher.teacher");
  {
    torch::NoGradGuard no_grad;
    const auto student = context.model().parameters();
    const auto teacher = teacher_->parameters();
    for (std::size_t i = 0; i < teacher.size(); ++i) {
      teacher[i].copy_(student[i]);
      teacher[i].set_requires_grad(false);
    }
    const auto student_buffers = context.model().buffers();
    const auto teacher_buffers = teacher_->buffers();
    for (std::size_t i = 0; i < teacher_buffers.size(); ++i) teacher_buffers[i].copy_(student_buffers[i]);
  }
  target_ = &context.state().column(kTargetColumn);
  write_targets(context);
}

void EmaTeacher::on_epoch_end(pulab::TrainingContext& context) {
  const std::int64_t e = context.progress().epoch;
  if (e < start_epoch_) return;
  const double a = std::min(1.0 - 1.0 / double(e - start_epoch_ + 1), decay_);
  {
    torch::NoGradGuard no_grad;
    const auto student = context.model().parameters();
    const auto teacher = teacher_->parameters();
    for (std::size_t i = 0; i < teacher.size(); ++i) teacher[i].mul_(a).add_(student[i], 1.0 - a);
    const auto student_buffers = context.model().buffers();
    const auto teacher_buffers = teacher_->buffers();
    for (std::size_t i = 0; i < teacher_buffers.size(); ++i) teacher_buffers[i].copy_(student_buffers[i]);
  }
  write_targets(context);
}

void EmaTeacher::write_targets(pulab::TrainingContext& context) {
  target_->copy_(torch::sigmoid(context.score_inputs(context.x_train(), teacher_.get())));
}

}  // namespace pulab_p3mix
