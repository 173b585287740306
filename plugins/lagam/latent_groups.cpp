// Regularizer + hook `lagam_contrast`: LaGAM's latent-group module. The paper's method section
// could not be read here; what follows is the authors' code (github.com/llong-cs/LaGAM, commit
// 6c5e2bb: train.py Trainer.train / train_loop / compute_features, utils/utils_loss.py ContLoss,
// utils/utils_algo.py run_kmeans, models/resnet.py head, utils/Dataset.py views), written anew:
//   - every step: the batch's samples x (P u U) in two views, a weak one a(x) and a strong one
//     A(x) (the run's [augmentation.<weak_role>] and [augmentation.<strong_role>]); projections
//     q = head(embed(a(x))), k = head(embed(A(x))) (projection_head.cpp: 2-layer MLP on the
//     model's embedding, L2-normalised, head_dim = 128);
//   - penalty = weight (L_inst + [after the warm-up] L_group)   (contrastive_loss.hpp: the
//     instance term between the views, temperature 0.07, and the supervised-contrastive term whose
//     positives are same-cluster pairs with the same predicted label 1[g > label_threshold], g the
//     step's scores, plus the num_neighbors nearest rows from epoch knn_from_epoch on);
//   - at the start of every epoch e >= warmup_epochs: the projections of ALL training samples
//     (context.x_train(), clean inputs, model and head in eval mode, no gradient, in batches of
//     feature_batch_size) are clustered by k-means (kmeans.hpp; num_clusters, 20 iterations, best
//     of 5 restarts: the code's faiss niter / nredo) and each sample's cluster id is kept here.
// The gradient of the penalty reaches the model through embed() (the engine's step) and the head
// through the head's OWN Adam (lr head_lr): the engine's backward computes gradients of the run's
// model only, so penalty() also takes d penalty / d head (autograd::grad, retaining the graph for
// the engine's backward) and after_step() applies them. Head parameters, its Adam state and the
// cluster ids are saved and restored through save()/load(), so a resumed run continues bit for bit.
// Choices beyond / against the code (docs/methods.md lists them with their sources):
//   - the head is this component's, trained by Adam with head_lr = 1e-3 (the code's lr, which in
//     the code is SGD's, momentum 0.9, weight decay 1e-4, shared with the network); no weight decay;
//   - classifier_on_weak_view = true (the code: the classifier's loss, its mixup and its meta step
//     all see the weak view `images`): prepare() replaces the step's inputs by their weak view, so
//     the risk, lagam_mixup and lagam_meta (prepared after this component: regularizers run in the
//     order of their names) see it too; false keeps them on the clean inputs. The strong view is
//     always drawn from the clean inputs. weak_role = "" uses the clean sample as the weak view;
//   - the predicted label is 1[g > label_threshold] on the raw score, label_threshold = 0.5 as the
//     code compares its logit (not the sigmoid) with 0.5; 0 would be pulab's decision rule;
//   - k-means: Lloyd's algorithm here with faiss's random initialisation by default (kmeans_init),
//     on every training sample (faiss subsamples to 1000 per centroid); the code's cluster
//     densities and normalised centroids are computed there but unused by its loss, so not here;
//   - num_clusters = 5 (the README's CIFAR-10 commands; 100 for CIFAR-100 and STL-10, the argparse
//     default); num_neighbors = 10 from epoch 51 (README --knn_aug --num_neighbors 10; train.py
//     start_knn_aug = epoch > 50, 0-based), which a run of fewer epochs never reaches;
//   - weight 0 switches the whole component off (no views drawn, inputs untouched).
// Needs a model with an embedding (embedding_of names the models) and both augmentation tables
// (the context's error names the missing [augmentation.<role>]).
#include <algorithm>
#include <string>

#include <torch/csrc/autograd/autograd.h>
#include <torch/serialize/archive.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <pulab/error.hpp>
#include <pulab/sample_state.hpp>

#include "contrastive_loss.hpp"
#include "lagam.hpp"

namespace pulab_lagam {

pulab::Schema LatentGroupContrast::schema() {
  return {pulab::param::real("weight", 1.0, "weight of the contrastive loss (code: 1; 0 = off)").at_least(0),
          pulab::param::real("temperature", 0.07, "tau of both contrastive terms (code: 0.07)").range(1e-4, 1e2),
          pulab::param::text("weak_role", "weak", "the [augmentation.<role>] of the weak view (q); \"\" = the sample itself"),
          pulab::param::text("strong_role", "strong", "the [augmentation.<role>] of the strong view (k)"),
          pulab::param::boolean("classifier_on_weak_view", true,
                                "the step's inputs (risk, mixup, meta step) are the weak view, as in the code"),
          pulab::param::integer("head_dim", 128, "output width of the projection head (code: 128)").at_least(1),
          pulab::param::real("head_lr", 1e-3, "learning rate of the head's own Adam (code: lr 1e-3, SGD)").range(1e-8, 10),
          pulab::param::integer("warmup_epochs", 20, "epochs with the instance term only, before the first k-means (code: 20)")
              .at_least(0),
          pulab::param::integer("num_clusters", 5, "k of k-means (code README: 5 on CIFAR-10, 100 otherwise)").at_least(1),
          pulab::param::integer("kmeans_iterations", 20, "Lloyd iterations per k-means run (code, faiss niter: 20)").at_least(1),
          pulab::param::integer("kmeans_restarts", 5, "k-means runs, the lowest inertia kept (code, faiss nredo: 5)").at_least(1),
          pulab::param::text("kmeans_init", "random", "initial centroids: random rows (faiss) or kmeans++")
              .one_of({"random", "kmeans++"}),
          pulab::param::boolean("label_cutoff", true, "positives also need the same predicted label (code --cont_cutoff)"),
          pulab::param::real("label_threshold", 0.5, "predicted label = 1[g > threshold] on the raw score (code: logit > 0.5)")
              .range(-1e3, 1e3),
          pulab::param::integer("num_neighbors", 10, "nearest rows added to the positives (code --knn_aug: 10; 0 = none)")
              .at_least(0),
          pulab::param::integer("knn_from_epoch", 51, "0-based epoch from which the neighbours are added (code: epoch > 50)")
              .at_least(0),
          pulab::param::integer("feature_batch_size", 1024, "rows per forward pass when embedding all training samples")
              .at_least(1)};
}

LatentGroupContrast::LatentGroupContrast(const pulab::Params& p)
    : weight_(p.real("weight")), temperature_(p.real("temperature")), head_lr_(p.real("head_lr")),
      label_threshold_(p.real("label_threshold")), warmup_epochs_(p.integer("warmup_epochs")),
      clusters_k_(p.integer("num_clusters")), kmeans_iterations_(p.integer("kmeans_iterations")),
      kmeans_restarts_(p.integer("kmeans_restarts")), head_dim_(p.integer("head_dim")),
      neighbours_(p.integer("num_neighbors")), knn_from_epoch_(p.integer("knn_from_epoch")),
      feature_batch_size_(p.integer("feature_batch_size")), label_cutoff_(p.boolean("label_cutoff")),
      classifier_on_weak_(p.boolean("classifier_on_weak_view")), weak_role_(p.text("weak_role")),
      strong_role_(p.text("strong_role")),
      kmeans_init_(p.text("kmeans_init") == "kmeans++" ? KMeansInit::PlusPlus : KMeansInit::Random) {
  if (strong_role_.empty()) throw pulab::ConfigError("regularizer lagam_contrast: strong_role must name an augmentation");
}

void LatentGroupContrast::on_run_start(pulab::TrainingContext& context) {
  if (weight_ == 0) return;
  model_ = &context.model();
  embedding_ = &pulab::embedding_of(*model_, "regularizer 'lagam_contrast'");
  weak_ = weak_role_.empty() ? nullptr : &context.augmentation(weak_role_);
  strong_ = &context.augmentation(strong_role_);
  const std::int64_t n = context.x_train().size(0);
  if (clusters_k_ > n) {
    throw pulab::Error("regularizer 'lagam_contrast': num_clusters = " + std::to_string(clusters_k_) +
                       " exceeds the " + std::to_string(n) + " training samples; lower num_clusters");
  }
  const std::int64_t d = embedding_->embedding_dim();
  head_ = std::make_shared<ProjectionHead>(d, d, head_dim_);
  const auto params = model_->parameters();
  device_ = params.empty() ? context.device() : params.front().device();
  head_->to(device_, params.empty() ? torch::kFloat : params.front().scalar_type());
  optimizer_ = std::make_unique<torch::optim::Adam>(head_->parameters(), torch::optim::AdamOptions(head_lr_));
  clusters_ = torch::Tensor();
  head_grads_.clear();
}

void LatentGroupContrast::on_epoch_start(pulab::TrainingContext& context) {
  if (!head_ || context.progress().epoch < warmup_epochs_) return;
  torch::NoGradGuard no_grad;
  const auto& x = context.x_train();
  const bool was_training = model_->is_training();
  model_->eval();
  head_->eval();
  std::vector<torch::Tensor> features;
  for (std::int64_t start = 0; start < x.size(0); start += feature_batch_size_) {
    const auto rows = x.slice(0, start, std::min(x.size(0), start + feature_batch_size_));
    features.push_back(head_->forward(embedding_->embed(rows)));
  }
  model_->train(was_training);
  head_->train();
  clusters_ = kmeans(torch::cat(features), clusters_k_, kmeans_iterations_, kmeans_restarts_, kmeans_init_).assignment;
}

void LatentGroupContrast::prepare(pulab::Batch& batch, const pulab::Progress& /*progress*/) {
  clean_x_ = torch::Tensor();
  if (!head_ || !classifier_on_weak_ || !weak_) return;
  const std::int64_t n_p = batch.x_p.size(0);
  clean_x_ = torch::cat({batch.x_p, batch.x_u});
  const auto view = weak_->apply(clean_x_);
  batch.x_p = view.slice(0, 0, n_p);
  batch.x_u = view.slice(0, n_p);
}

torch::Tensor LatentGroupContrast::penalty(pulab::ScoreModel& /*model*/, const pulab::Batch& batch,
                                           const pulab::Scores& scores, const pulab::Progress& progress) {
  if (!head_) return {};
  const auto inputs = torch::cat({batch.x_p, batch.x_u});
  if (inputs.size(0) == 0) return {};
  // The weak view: the step's inputs when prepare() made them so, else drawn here.
  const bool prepared = clean_x_.defined();
  const auto clean = prepared ? clean_x_ : inputs;
  const auto weak = prepared ? inputs : (weak_ ? weak_->apply(clean) : clean);
  clean_x_ = torch::Tensor();
  const auto q = head_->forward(embedding_->embed(weak));
  const auto k = head_->forward(embedding_->embed(strong_->apply(clean)));
  const auto log_prob = contrast_log_prob(q, k, temperature_);
  auto loss = instance_contrastive_loss(log_prob);
  if (clusters_.defined() && progress.epoch >= warmup_epochs_) {
    const auto cluster = clusters_.index_select(0, torch::cat({batch.ids_p, batch.ids_u}));
    torch::Tensor predicted;
    if (label_cutoff_) predicted = torch::cat({scores.p, scores.u}).detach().reshape({-1}) > label_threshold_;
    const std::int64_t neighbours = progress.epoch >= knn_from_epoch_ ? neighbours_ : 0;
    loss = loss + group_contrastive_loss(log_prob, group_positive_mask(q, k, cluster, predicted, neighbours));
  }
  const auto total = weight_ * loss;
  // The head's gradient now (the engine's backward reaches the model's parameters only); the graph
  // is kept for that backward.
  const auto grads = torch::autograd::grad({total}, head_->parameters(), {}, /*retain_graph=*/true,
                                           /*create_graph=*/false, /*allow_unused=*/true);
  head_grads_.clear();
  for (const auto& g : grads) head_grads_.push_back(g.defined() ? g.detach() : g);
  return total;
}

void LatentGroupContrast::after_step(pulab::TrainingContext& /*context*/, const pulab::Batch& /*batch*/) {
  if (head_grads_.empty()) return;
  auto params = head_->parameters();
  optimizer_->zero_grad();
  for (std::size_t i = 0; i < params.size() && i < head_grads_.size(); ++i) {
    if (head_grads_[i].defined()) params[i].mutable_grad() = head_grads_[i];
  }
  optimizer_->step();
  head_grads_.clear();
}

void LatentGroupContrast::save(torch::serialize::OutputArchive& archive) const {
  if (!head_) return;
  torch::serialize::OutputArchive head, optimizer;
  head_->save(head);
  optimizer_->save(optimizer);
  archive.write("head", head);
  archive.write("optimizer", optimizer);
  if (clusters_.defined()) archive.write("clusters", clusters_.cpu());
}

void LatentGroupContrast::load(torch::serialize::InputArchive& archive) {
  if (!head_) return;
  torch::serialize::InputArchive head, optimizer;
  archive.read("head", head);
  head_->load(head);
  archive.read("optimizer", optimizer);
  optimizer_->load(optimizer);
  torch::Tensor clusters;
  if (archive.try_read("clusters", clusters)) clusters_ = clusters.to(device_);
}

}  // namespace pulab_lagam
