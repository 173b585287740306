#include "engine/engine_context.hpp"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "engine/run_components.hpp"
#include "pulab/error.hpp"

namespace pulab {

const torch::Tensor& EngineContext::u_positive() const {
  if (!s_.data->u_positive.defined()) {
    throw Error("the true labels of U are only given to an oracle baseline (a risk that declares "
                "StateUse::oracle); this run's risk is '" + s_.spec->risk.name + "'");
  }
  return s_.data->u_positive;
}

torch::Tensor EngineContext::score(const torch::Tensor& ids, ScoreModel* model) {
  return score_inputs(s_.data->x_train.index_select(0, ids.to(device())), model);
}

torch::Tensor EngineContext::score_inputs(const torch::Tensor& x, ScoreModel* model) {
  ScoreModel& m = model ? *model : *s_.model;
  const bool was_training = m.is_training();
  m.eval();
  const auto scores = score_in_batches(m, x, s_.spec->train.eval_batch_size).to(torch::kFloat);
  m.train(was_training);
  return scores;
}

void EngineContext::set_prior(double prior) {
  if (!s_.prior_writable) {
    throw Error("set_prior: no component of this run declares StateUse::writes_prior");
  }
  if (!std::isfinite(prior) || prior <= 0 || prior >= 1) {
    throw Error("set_prior: the class prior must be in (0, 1), got " + std::to_string(prior));
  }
  prior_ = prior;
}

void EngineContext::check_new_key(const std::string& key) const {
  for (const auto& m : models_)
    if (m.key == key) throw Error("create_model: the key '" + key + "' is taken");
  for (const auto& o : optimizers_)
    if (o.key == key) throw Error("create_optimizer: the key '" + key + "' is taken");
}

std::shared_ptr<ScoreModel> EngineContext::create_model(const std::string& key) {
  check_new_key(key);
  auto model = build_component(s_.registries->models, s_.spec->model, s_.build);
  model->to(device());
  models_.push_back({key, model});
  return model;
}

std::shared_ptr<torch::optim::Optimizer> EngineContext::create_optimizer(const std::string& key, ScoreModel& model) {
  return create_module_optimizer(key, model);
}

std::shared_ptr<torch::optim::Optimizer> EngineContext::create_module_optimizer(const std::string& key,
                                                                                torch::nn::Module& module) {
  check_new_key(key);
  const auto& t = s_.spec->train;
  auto optimizer = std::make_shared<torch::optim::Adam>(
      module.parameters(),
      torch::optim::AdamOptions(t.lr).betas({t.adam_beta1, t.adam_beta2}).weight_decay(t.weight_decay));
  optimizers_.push_back({key, optimizer});
  return optimizer;
}

void EngineContext::reset_optimizer() { begin_optimizer_stage(OptimizerStage{}); }

void EngineContext::begin_optimizer_stage(const OptimizerStage& stage) {
  if (!s_.optimizer) throw Error("this training context has no run optimizer to start afresh");
  const auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  const auto non_negative = [](double v) { return std::isfinite(v) && v >= 0; };
  if (!positive(stage.learning_rate_scale) || !non_negative(stage.weight_decay_scale) ||
      !non_negative(stage.final_lr_factor)) {
    throw Error("begin_optimizer_stage: the learning-rate scale must be positive, the weight-decay scale and the final "
                "learning-rate factor non-negative; got " + std::to_string(stage.learning_rate_scale) + ", " +
                std::to_string(stage.weight_decay_scale) + ", " + std::to_string(stage.final_lr_factor));
  }
  // Adam creates a parameter's moments and step count at its first step when it finds none: with
  // the state cleared, the next step is the first step of a new Adam over the same parameters.
  s_.optimizer->state().clear();
  restore_optimizer_stage(stage, progress_.iteration);
}

void EngineContext::restore_optimizer_stage(const OptimizerStage& stage, std::int64_t start_iteration) {
  stage_ = stage;
  stage_start_ = start_iteration;
  // The learning rate is set before every step (run_learning_rate); the weight decay only here.
  if (!s_.optimizer) return;
  const double weight_decay = s_.spec->train.weight_decay * stage.weight_decay_scale;
  for (auto& group : s_.optimizer->param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).weight_decay(weight_decay);
}

double EngineContext::run_learning_rate(double run_lr, const Progress& progress) const {
  if (!stage_.own_schedule) return run_lr * stage_.learning_rate_scale;
  const double start = s_.spec->train.lr * stage_.learning_rate_scale;
  const std::int64_t span = progress.total_iterations - 1 - stage_start_;
  const double t = span > 0 ? std::clamp(double(progress.iteration - stage_start_) / double(span), 0.0, 1.0) : 1.0;
  return start * (stage_.final_lr_factor + (1 - stage_.final_lr_factor) * 0.5 * (1 + std::cos(M_PI * t)));
}

Augmentation& EngineContext::augmentation(const std::string& role) {
  for (auto& [r, a] : augmentations_)
    if (r == role) return *a;
  for (const auto& [r, config] : s_.spec->augmentations) {
    if (r != role) continue;
    // Built on first request, so that a run whose components ask for none is untouched by them.
    augmentations_.emplace_back(role, build_component(s_.registries->augmentations, config, s_.build));
    return *augmentations_.back().second;
  }
  std::string have;
  for (const auto& [r, config] : s_.spec->augmentations) have += (have.empty() ? "" : ", ") + ("[augmentation." + r + "]");
  throw Error("a component of this run asks for the augmentation '" + role + "': add a table [augmentation." + role +
              "] with name = \"...\" (e.g. \"image\"; `pulab plugins` lists them)" +
              (have.empty() ? std::string() : " (the run has " + have + ")"));
}

std::vector<std::string> EngineContext::unused_augmentations() const {
  std::vector<std::string> out;
  for (const auto& [role, config] : s_.spec->augmentations) {
    bool used = false;
    for (const auto& [r, a] : augmentations_) used = used || r == role;
    if (!used) out.push_back(role);
  }
  return out;
}

}  // namespace pulab
