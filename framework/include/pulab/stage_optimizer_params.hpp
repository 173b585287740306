#pragma once
// The keys of a method's stage that trains with a new Adam (TrainingContext::begin_optimizer_stage),
// so that every such method spells, documents and checks them alike:
//   fresh_optimizer             start the run's Adam afresh when the stage begins
//   <prefix>lr_scale            the stage's learning rate: the run's schedule times this
//   <prefix>final_lr_factor     the stage's learning rate anneals by cosine to this fraction of its start
//   <prefix>weight_decay_scale  the stage's weight decay: the run's [train].weight_decay times this
// The stage's learning rate starts at <prefix>lr_scale times [train].lr (OptimizerStage with
// own_schedule). Defaults are the method's authors' ratios (their stage's setting over their first
// stage's).
#include <optional>
#include <string>

#include "pulab/params.hpp"
#include "pulab/training_hook.hpp"

namespace pulab {

struct StageScale {
  double value;
  std::string source;  // where the default comes from, for the key's help ("authors: 5e-5 after 5e-4")
};

void add_stage_optimizer_params(Schema& schema, const std::string& prefix, const StageScale& lr_scale,
                                const StageScale& final_lr_factor, const StageScale& weight_decay_scale);

// The stage the keys describe, or none with fresh_optimizer = false, where the three others must be
// 1 (pulab::Error naming them and `component` otherwise: settings without the new Adam they are for).
std::optional<OptimizerStage> stage_optimizer_of(const Params& params, const std::string& prefix,
                                                 const std::string& component);

}  // namespace pulab
