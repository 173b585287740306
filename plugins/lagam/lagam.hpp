#pragma once
// LaGAM (Long, Wang, Jiang, Feng, Yao, Chen, Zhao: "Positive-Unlabeled Learning by Latent
// Group-Aware Meta Disambiguation", CVPR 2024) as four composable parts;
// experiments/methods/lagam.toml puts them together, docs/methods.md gives the equations, their
// sources and every choice. The paper's method section could not be read in this environment:
// the equations follow the authors' public code (github.com/llong-cs/LaGAM, train.py,
// utils/utils_loss.py, utils/utils_data.py), the meta objective is pulab's own (see below).
//   risk `lagam`                class-balanced soft binary cross-entropy of P u U against the
//                               targets (P: 1, U: the state column pseudo_label)
//   regularizer+hook `lagam_meta`  the meta disambiguation: before each step after the warm-up,
//                               the one-step look-ahead meta-gradient of a PU meta objective with
//                               respect to the batch's U targets picks a meta label per U sample;
//                               the target moves towards it (EMA); pseudo_label of U starts at 0
//   regularizer `lagam_mixup`   mixup of the batch with its targets (lambda ~ Beta(4, 4),
//                               lambda = max(lambda, 1 - lambda)), the same class-balanced BCE
//   regularizer+hook `lagam_contrast`  the latent-group module: a projection head (own Adam) on the
//                               model's embedding, two augmented views per batch, an instance-
//                               contrastive term, and after the warm-up k-means clusters of all
//                               training samples (every epoch) whose same-cluster, same-predicted-
//                               label pairs are the positives of a supervised-contrastive term
//                               (latent_groups.cpp, projection_head.cpp, contrastive_loss.hpp,
//                               kmeans.hpp); experiments/augmentation/mnist_1k_lagam.toml adds it
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/types.h>

#include <pulab/augmentation.hpp>
#include <pulab/embedding.hpp>
#include <pulab/model.hpp>
#include <pulab/params.hpp>
#include <pulab/regularizer.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

#include "kmeans.hpp"

namespace pulab_lagam {

// Class-balanced soft BCE of raw scores g against per-sample class weights t1 (class +1) and t0
// (class -1):  sum_i t1_i softplus(-g_i) / sum_i t1_i  +  sum_i t0_i softplus(g_i) / sum_i t0_i.
// A class whose weights sum to 0 contributes 0. Differentiable in g, t1 and t0.
torch::Tensor balanced_bce(const torch::Tensor& g, const torch::Tensor& t1, const torch::Tensor& t0);

// The PU meta objective: an unbiased estimate, from labeled positives g_p and unlabeled g_u with
// class prior pi of U, of the class-balanced PN cross-entropy E_P[softplus(-g)] + E_N[softplus(g)]:
//   mean_P softplus(-g) + (mean_U softplus(g) - pi mean_P softplus(g)) / (1 - pi).
torch::Tensor pu_meta_objective(const torch::Tensor& g_p, const torch::Tensor& g_u, double prior);

class LagamRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema();
  explicit LagamRisk(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;
};

class MetaDisambiguation final : public pulab::Regularizer, public pulab::TrainingHook {
 public:
  enum class Scope { All, LastLayer };

  static pulab::Schema schema();
  explicit MetaDisambiguation(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  void on_run_start(pulab::TrainingContext& context) override;
  void prepare(pulab::Batch& batch, const pulab::Progress& progress) override;
  void on_epoch_end(pulab::TrainingContext& context) override;
  torch::Tensor penalty(pulab::ScoreModel&, const pulab::Batch&, const pulab::Scores&,
                        const pulab::Progress&) override {
    return {};
  }

  // The EMA factor rho of 0-based `epoch` of `epochs`: rho_start + epoch / epochs (rho_end - rho_start).
  double rho_at(std::int64_t epoch, std::int64_t epochs) const;

  // d L_meta(theta') / d eps for the targets of x_u, [n_u, 2] (column 0: the class -1 weight,
  // column 1: the class +1 weight), where theta' = theta - eta grad_theta L_train(theta, eps),
  // L_train = balanced_bce(g(cat(x_p, x_u)), cat(w_p, y_u + eps_1), cat(0, 1 - y_u + eps_0)) at
  // eps = 0, L_meta = pu_meta_objective on (xm_p, xm_u). `model` is not changed: the step runs on
  // `virtual_model` (a copy of theta) and `lookahead` (theta'), both of model's architecture.
  // Scope::All moves every parameter; Scope::LastLayer only the last parameter with >= 2
  // dimensions (the output weight).
  torch::Tensor meta_gradient(Scope scope, pulab::ScoreModel& model, pulab::ScoreModel& virtual_model, pulab::ScoreModel& lookahead,
                              const torch::Tensor& x_p, const torch::Tensor& w_p, const torch::Tensor& x_u,
                              const torch::Tensor& y_u, const torch::Tensor& xm_p, const torch::Tensor& xm_u,
                              double prior) const;

  // The meta label of each row of a meta_gradient: 1 where raising the +1 weight lowers L_meta
  // more than raising the -1 weight (d_1 < d_0; a tie gives 0, as argmax's first index).
  static torch::Tensor meta_labels(const torch::Tensor& gradient);

 private:
  std::int64_t warmup_epochs_, meta_batch_size_;
  double meta_lr_, rho_start_, rho_end_;
  Scope scope_;
  bool meta_from_validation_, compare_scopes_;
  std::int64_t agree_ = 0, compared_ = 0;  // compare_scopes: U meta labels equal under both scopes / computed

  pulab::ScoreModel* model_ = nullptr;
  std::shared_ptr<pulab::ScoreModel> virtual_model_, lookahead_;
  pulab::SampleState* state_ = nullptr;
  std::int64_t epochs_ = 1;
  torch::Tensor meta_x_, meta_p_ids_, meta_u_ids_;  // the meta set's inputs and its P / U rows
};

class LagamMixup final : public pulab::Regularizer {
 public:
  static pulab::Schema schema();
  explicit LagamMixup(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                        const pulab::Progress& progress) override;

  // The mixed-batch loss for a given lambda and permutation (the penalty draws both).
  torch::Tensor mixed_loss(pulab::ScoreModel& model, const pulab::Batch& batch, double lambda,
                           const torch::Tensor& permutation) const;

 private:
  double weight_, alpha_;
};

// LaGAM's projection head (projection_head.cpp): h -> normalize(W2 relu(W1 h + b1) + b2).
class ProjectionHead final : public torch::nn::Module {
 public:
  ProjectionHead(std::int64_t in, std::int64_t hidden, std::int64_t out);
  torch::Tensor forward(const torch::Tensor& h);

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};

class LatentGroupContrast final : public pulab::Regularizer, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit LatentGroupContrast(const pulab::Params& p);
  pulab::StateUse state_use() const override { return {}; }
  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_start(pulab::TrainingContext& context) override;
  void prepare(pulab::Batch& batch, const pulab::Progress& progress) override;
  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                        const pulab::Progress& progress) override;
  void after_step(pulab::TrainingContext& context, const pulab::Batch& batch) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  double weight_, temperature_, head_lr_, label_threshold_;
  std::int64_t warmup_epochs_, clusters_k_, kmeans_iterations_, kmeans_restarts_, head_dim_, neighbours_,
      knn_from_epoch_, feature_batch_size_;
  bool label_cutoff_, classifier_on_weak_;
  std::string weak_role_, strong_role_;
  KMeansInit kmeans_init_;

  pulab::EmbeddingModel* embedding_ = nullptr;
  pulab::ScoreModel* model_ = nullptr;
  pulab::Augmentation* weak_ = nullptr;
  pulab::Augmentation* strong_ = nullptr;
  std::shared_ptr<ProjectionHead> head_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::vector<torch::Tensor> head_grads_;  // d penalty / d head of the current step, applied in after_step
  torch::Tensor clusters_;                 // int64 [n_train]: each training sample's cluster (after the warm-up)
  torch::Tensor clean_x_;                  // this step's clean inputs when prepare() replaced them by the weak view
  torch::Device device_ = torch::kCPU;
};

}  // namespace pulab_lagam
