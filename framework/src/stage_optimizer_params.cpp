#include "pulab/stage_optimizer_params.hpp"

#include "pulab/error.hpp"

namespace pulab {

void add_stage_optimizer_params(Schema& schema, const std::string& prefix, const StageScale& lr_scale,
                                const StageScale& final_lr_factor, const StageScale& weight_decay_scale) {
  schema.add(param::boolean("fresh_optimizer", true,
                            "start the run's Adam afresh when the stage begins (the authors' new optimizer)"));
  schema.add(param::real(prefix + "lr_scale", lr_scale.value,
                         "the stage's first learning rate: [train].lr times this (" + lr_scale.source + ")")
                 .range(1e-6, 1e6));
  schema.add(param::real(prefix + "final_lr_factor", final_lr_factor.value,
                         "the stage's learning rate anneals by cosine to this fraction of its first at the run's end (" +
                             final_lr_factor.source + ")")
                 .range(0, 1e6));
  schema.add(param::real(prefix + "weight_decay_scale", weight_decay_scale.value,
                         "the stage's weight decay: the run's times this (" + weight_decay_scale.source + ")")
                 .range(0, 1e6));
}

std::optional<OptimizerStage> stage_optimizer_of(const Params& params, const std::string& prefix,
                                                 const std::string& component) {
  const OptimizerStage stage{params.real(prefix + "lr_scale"), params.real(prefix + "weight_decay_scale"), true,
                             params.real(prefix + "final_lr_factor")};
  if (params.boolean("fresh_optimizer")) return stage;
  if (stage.learning_rate_scale != 1 || stage.weight_decay_scale != 1 || stage.final_lr_factor != 1) {
    throw Error(component + ": " + prefix + "lr_scale, " + prefix + "final_lr_factor and " + prefix +
                "weight_decay_scale set the new Adam of the stage; with fresh_optimizer = false set all three to 1");
  }
  return std::nullopt;
}

}  // namespace pulab
