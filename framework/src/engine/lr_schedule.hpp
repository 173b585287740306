#pragma once
// The learning-rate schedule, decided once per run so that the step does no string comparison.
#include <cmath>
#include <cstdint>

#include "config/experiment.hpp"
#include "pulab/training_step.hpp"

namespace pulab {

class LearningRateSchedule {
 public:
  explicit LearningRateSchedule(const TrainConfig& train)
      : lr_(train.lr), final_lr_(train.lr * train.lr_final_factor), step_epochs_(train.lr_step_epochs),
        step_factor_(train.lr_step_factor), kind_(kind_of(train.lr_schedule)) {}

  // The learning rate at a step: linear and cosine go from lr at the first step to
  // lr * lr_final_factor at the last; step multiplies lr by lr_step_factor every lr_step_epochs.
  double at(const Progress& progress) const {
    const std::int64_t total = progress.total_iterations;
    const double t = total > 1 ? std::min(1.0, double(progress.iteration) / double(total - 1)) : 1.0;
    switch (kind_) {
      case Kind::Linear: return lr_ + (final_lr_ - lr_) * t;
      case Kind::Cosine: return final_lr_ + (lr_ - final_lr_) * 0.5 * (1.0 + std::cos(M_PI * t));
      case Kind::Step: return lr_ * std::pow(step_factor_, double(progress.epoch / step_epochs_));
      case Kind::Constant: break;
    }
    return lr_;
  }

 private:
  enum class Kind { Constant, Linear, Cosine, Step };
  static Kind kind_of(const std::string& name) {
    if (name == "linear") return Kind::Linear;
    if (name == "cosine") return Kind::Cosine;
    if (name == "step") return Kind::Step;
    return Kind::Constant;
  }
  double lr_, final_lr_;
  std::int64_t step_epochs_;
  double step_factor_;
  Kind kind_;
};

}  // namespace pulab
