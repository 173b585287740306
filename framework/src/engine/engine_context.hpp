#pragma once
// The engine's TrainingContext: what hooks see of a run, and the extra models and optimizers they
// create (which the engine checkpoints and keeps on the learning-rate schedule).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/optim/optimizer.h>

#include "config/experiment.hpp"
#include "engine/training_data.hpp"
#include "pulab/registry.hpp"
#include "pulab/training_hook.hpp"

namespace pulab {

struct ExtraModel {
  std::string key;
  std::shared_ptr<ScoreModel> model;
};
struct ExtraOptimizer {
  std::string key;
  std::shared_ptr<torch::optim::Optimizer> optimizer;
};

class EngineContext final : public TrainingContext {
 public:
  struct Setup {
    const RunSpec* spec;
    const Registries* registries;
    BuildContext build;
    ScoreModel* model;
    const TrainingData* data;
    SampleState* state;
    double prior;
    bool prior_writable;
    bool resuming;
    torch::optim::Optimizer* optimizer = nullptr;  // the run's own (reset_optimizer); none in some tests
  };
  explicit EngineContext(Setup setup) : s_(std::move(setup)), prior_(s_.prior) {}

  ScoreModel& model() override { return *s_.model; }
  torch::Device device() const override { return s_.data->x_train.device(); }
  const torch::Tensor& x_train() const override { return s_.data->x_train; }
  const torch::Tensor& x_validation() const override { return s_.data->x_val; }
  const torch::Tensor& validation_labeled() const override { return s_.data->val_labeled; }
  const torch::Tensor& u_positive() const override;
  torch::Tensor score(const torch::Tensor& ids, ScoreModel* model = nullptr) override;
  torch::Tensor score_inputs(const torch::Tensor& x, ScoreModel* model = nullptr) override;
  SampleState& state() override { return *s_.state; }
  double prior() const override { return prior_; }
  void set_prior(double prior) override;
  const Progress& progress() const override { return progress_; }
  std::int64_t epochs() const override { return s_.spec->train.epochs; }
  std::shared_ptr<ScoreModel> create_model(const std::string& key) override;
  std::shared_ptr<torch::optim::Optimizer> create_optimizer(const std::string& key, ScoreModel& model) override;
  bool resuming() const override { return s_.resuming; }
  Augmentation& augmentation(const std::string& role) override;
  void reset_optimizer() override;
  void begin_optimizer_stage(const OptimizerStage& stage) override;
  std::shared_ptr<torch::optim::Optimizer> create_module_optimizer(const std::string& key,
                                                                   torch::nn::Module& module) override;

  // The engine's side.
  void set_progress(const Progress& progress) { progress_ = progress; }
  void restore_prior(double prior) { prior_ = prior; }
  void finish_start() { s_.resuming = false; }
  // The run optimizer's current stage and the iteration it began at (checkpoints save both), its
  // restoration from a checkpoint (the weight decay reapplied), and the run optimizer's learning
  // rate at `progress` given the run's schedule's `run_lr` there.
  const OptimizerStage& optimizer_stage() const { return stage_; }
  std::int64_t optimizer_stage_start() const { return stage_start_; }
  void restore_optimizer_stage(const OptimizerStage& stage, std::int64_t start_iteration);
  double run_learning_rate(double run_lr, const Progress& progress) const;
  const std::vector<ExtraModel>& extra_models() const { return models_; }
  const std::vector<ExtraOptimizer>& extra_optimizers() const { return optimizers_; }
  // The run's [augmentation.<role>] tables no component asked for (a likely mistake, warned about).
  std::vector<std::string> unused_augmentations() const;

 private:
  void check_new_key(const std::string& key) const;

  Setup s_;
  double prior_;
  Progress progress_;
  OptimizerStage stage_;
  std::int64_t stage_start_ = 0;
  std::vector<ExtraModel> models_;
  std::vector<ExtraOptimizer> optimizers_;
  std::vector<std::pair<std::string, std::shared_ptr<Augmentation>>> augmentations_;  // built on first request
};

}  // namespace pulab
