#pragma once
// TrainingHook: a method's code that runs around the training steps rather than inside one.
//
// The engine calls every hook of a run, in order, at these points:
//   on_run_start   once per process, after the components are built and BEFORE a checkpoint is
//                  restored (create extra models, columns and initial state here; on a resume the
//                  checkpoint then overwrites state, prior, extra models and the hook's own save())
//   on_epoch_start before the sampler draws the epoch's batches
//   after_step     after each optimizer step of the run's model
//   on_epoch_end   after the epoch's last step, before evaluation (the epoch's metrics and the
//                  prior recorded for it see what the hook did)
// Hooks are listed in [hook.<name>] tables; a risk, regularizer, weighting or sampler that also
// derives from TrainingHook is called as a hook too (a mean teacher is a regularizer and a hook).
#include <cstdint>
#include <memory>
#include <string>

#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>
#include <torch/types.h>

#include "pulab/augmentation.hpp"
#include "pulab/model.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_step.hpp"

namespace pulab {

// The optimizer settings of a method's later stage, relative to the run's [train] table, so that a
// method whose authors train a second stage with a new Adam and its own scheduler (Dist-PU: a
// tenth of the warm-up's learning rate, PULDA: ten times; both cosine to 0.7 of it) keeps their
// ratios under any data set's settings.
struct OptimizerStage {
  // Without a schedule of its own (own_schedule false) the stage's learning rate is the run's
  // schedule times learning_rate_scale. With own_schedule it starts at learning_rate_scale times
  // [train].lr and anneals by cosine to final_lr_factor times that at the run's last step.
  double learning_rate_scale = 1.0;
  double weight_decay_scale = 1.0;  // multiplies [train].weight_decay from now on
  bool own_schedule = false;
  double final_lr_factor = 1.0;
};

// What a hook sees of the run. Implemented by the engine.
class TrainingContext {
 public:
  virtual ~TrainingContext();

  // The trained model and the device the run lives on.
  virtual ScoreModel& model() = 0;
  virtual torch::Device device() const = 0;

  // The training data by sample id (rows [0, n_labeled) labeled positives, then U), on the device.
  virtual const torch::Tensor& x_train() const = 0;
  // Validation inputs and their PU-only view (true = a labeled positive). Never U's labels.
  virtual const torch::Tensor& x_validation() const = 0;
  virtual const torch::Tensor& validation_labeled() const = 0;
  // The true class of each U sample (bool [n_unlabeled]); throws pulab::Error unless the run's
  // risk is an oracle baseline (StateUse::oracle).
  virtual const torch::Tensor& u_positive() const = 0;

  // g(x) of the training samples `ids` (int64) in eval mode without gradients, in batches of
  // train.eval_batch_size; float [ids.numel()] on the device. `model` defaults to the run's.
  virtual torch::Tensor score(const torch::Tensor& ids, ScoreModel* model = nullptr) = 0;
  // The same for any inputs (e.g. x_validation()).
  virtual torch::Tensor score_inputs(const torch::Tensor& x, ScoreModel* model = nullptr) = 0;

  virtual SampleState& state() = 0;

  // The class prior of U that risks and decision rules get. set_prior requires
  // StateUse::writes_prior; the prior of each epoch is recorded in result.json.
  virtual double prior() const = 0;
  virtual void set_prior(double prior) = 0;

  virtual const Progress& progress() const = 0;
  virtual std::int64_t epochs() const = 0;

  // A further model built from the run's [model] table (same architecture, fresh initialisation
  // from the global generator), on the run's device, saved in checkpoints under `key` (unique).
  virtual std::shared_ptr<ScoreModel> create_model(const std::string& key) = 0;
  // Adam over `model`'s parameters with the run's [train] settings; the engine applies the run's
  // learning-rate schedule to it too and saves it in checkpoints under `key`.
  virtual std::shared_ptr<torch::optim::Optimizer> create_optimizer(const std::string& key, ScoreModel& model) = 0;

  // True while on_run_start runs in a process that is about to resume from a checkpoint.
  virtual bool resuming() const = 0;
  // The run's [augmentation.<role>] (built with the data set's input shape); throws pulab::Error
  // naming the table to add when the run has none. Ask in on_run_start and keep the reference: it
  // lives as long as the run. (Not pure, so that test doubles of the context need not implement
  // it: the default throws; likewise the three below.)
  virtual Augmentation& augmentation(const std::string& role);

  // Starts the run's own optimizer afresh: Adam's moment estimates and step counts are dropped, as
  // if a new Adam had been built with the run's [train] settings (a stage of a method that trains
  // each episode with a new optimizer, e.g. Robust-PU). The learning rate stays the run's schedule.
  // Call it from a hook (on_epoch_start, or after_step for a switch inside an epoch); the state
  // after the call is what the next checkpoint saves, so a resumed run continues bit-identically.
  virtual void reset_optimizer();
  // reset_optimizer, and until the next call the new Adam trains at the stage's learning rate and
  // weight decay (OptimizerStage; reset_optimizer() is the default stage: the run's settings). The
  // stage is saved in checkpoints; module optimizers keep the run's settings.
  virtual void begin_optimizer_stage(const OptimizerStage& stage);
  // create_optimizer for any module a method adds beside the score model (a projection head, an
  // auxiliary network): Adam with the run's [train] settings, the run's learning-rate schedule,
  // saved in checkpoints under `key`.
  virtual std::shared_ptr<torch::optim::Optimizer> create_module_optimizer(const std::string& key,
                                                                           torch::nn::Module& module);
};

class TrainingHook {
 public:
  virtual ~TrainingHook();

  virtual StateUse state_use() const { return {}; }

  virtual void on_run_start(TrainingContext& /*context*/) {}
  virtual void on_epoch_start(TrainingContext& /*context*/) {}
  virtual void after_step(TrainingContext& /*context*/, const Batch& /*batch*/) {}
  virtual void on_epoch_end(TrainingContext& /*context*/) {}

  // The hook's own state beyond SampleState, prior and extra models (e.g. a schedule position),
  // saved in and restored from checkpoints so that a resumed run continues bit-identically.
  virtual void save(torch::serialize::OutputArchive& /*archive*/) const {}
  virtual void load(torch::serialize::InputArchive& /*archive*/) {}
};

}  // namespace pulab
