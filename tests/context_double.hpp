#pragma once
// A TrainingContext for unit tests of hooks, regularizers and risks that are hooks: it answers as
// the engine does where the test gives data (a model, training and validation inputs, the
// progress) and throws an error naming the call where it does not. A test derives from it and
// overrides only what it fakes (fixed scores, a recorded set_prior, extra models, augmentations).
// It records reset_optimizer and begin_optimizer_stage calls, so a test can check when a method
// starts a new Adam and with which settings.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>
#include <torch/utils.h>

#include "pulab/error.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"

namespace pulab::test {

class ContextDouble : public TrainingContext {
 public:
  ContextDouble(std::int64_t n_labeled, std::int64_t n_unlabeled, double prior, std::int64_t epochs)
      : state_(n_labeled, n_unlabeled, prior, torch::kCPU), prior_(prior), epochs_(epochs) {}

  // What a test gives: the run's model (model(), score(), score_inputs()), the training inputs by
  // sample id, the validation inputs and their PU view, the progress.
  std::shared_ptr<ScoreModel> run_model;
  torch::Tensor x, x_val, val_labeled;
  Progress now;
  int optimizer_resets = 0;  // reset_optimizer() and begin_optimizer_stage() calls
  struct StageCall {
    std::int64_t epoch;
    OptimizerStage stage;
  };
  std::vector<StageCall> optimizer_stages;  // begin_optimizer_stage() calls, with the epoch of each

  ScoreModel& model() override {
    if (!run_model) throw Error("test double: model() asked, but the test gave no model");
    return *run_model;
  }
  torch::Device device() const override { return torch::kCPU; }
  const torch::Tensor& x_train() const override { return x; }
  const torch::Tensor& x_validation() const override { return x_val; }
  const torch::Tensor& validation_labeled() const override { return val_labeled; }
  const torch::Tensor& u_positive() const override { throw Error("a PU component asked for U's labels"); }
  // As the engine: eval mode, no gradient.
  torch::Tensor score(const torch::Tensor& ids, ScoreModel* scorer = nullptr) override {
    return score_inputs(x.index_select(0, ids), scorer);
  }
  torch::Tensor score_inputs(const torch::Tensor& inputs, ScoreModel* scorer = nullptr) override {
    ScoreModel& m = scorer ? *scorer : model();
    const bool was_training = m.is_training();
    m.eval();
    torch::NoGradGuard no_grad;
    auto scores = m.forward(inputs);
    m.train(was_training);
    return scores;
  }
  SampleState& state() override { return state_; }
  double prior() const override { return prior_; }
  void set_prior(double) override { throw Error("set_prior: no component of this test declared writes_prior"); }
  const Progress& progress() const override { return now; }
  std::int64_t epochs() const override { return epochs_; }
  std::shared_ptr<ScoreModel> create_model(const std::string& key) override {
    throw Error("test double: create_model('" + key + "') is not part of this test");
  }
  std::shared_ptr<torch::optim::Optimizer> create_optimizer(const std::string& key, ScoreModel&) override {
    throw Error("test double: create_optimizer('" + key + "') is not part of this test");
  }
  bool resuming() const override { return false; }
  void reset_optimizer() override { ++optimizer_resets; }
  void begin_optimizer_stage(const OptimizerStage& stage) override {
    ++optimizer_resets;
    optimizer_stages.push_back({now.epoch, stage});
  }

 protected:
  SampleState state_;
  double prior_;
  std::int64_t epochs_;
};

}  // namespace pulab::test
