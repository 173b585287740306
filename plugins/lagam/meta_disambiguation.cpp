// Regularizer + hook `lagam_meta`: LaGAM's meta disambiguation of the unlabeled targets (the
// authors' train.py, train_loop after the warm-up; the paper's method section could not be read
// here). With theta the model's parameters, y_u in [0, 1] the stored target of each unlabeled
// sample of the batch (state column pseudo_label; labeled positives: 1) and eps in R^{n_u x 2} a
// perturbation of the two label columns (class -1 weight 1 - y_u, class +1 weight y_u):
//   L_train(theta, eps) = balanced_bce(g_theta(P u U); (1, y_u + eps_1), (0, 1 - y_u + eps_0))
//   theta'(eps)         = theta - eta grad_theta L_train(theta, eps)          (virtual SGD step)
//   d_i,c               = d L_meta(theta'(eps)) / d eps_i,c  at eps = 0
//                       = -eta < grad_theta' L_meta(theta'), d/d eps_i,c grad_theta L_train >
//   m_i                 = 1 if d_i,1 < d_i,0 else 0   (code: argmax(eps - d) over the columns)
//   y_u <- rho_e y_u + (1 - rho_e) m_u,  rho_e = rho_start + (e / E)(rho_end - rho_start)
// before the step's forward pass, for every step of epochs e >= warmup_epochs (E = the run's
// epochs); the step then trains on the new targets (risk `lagam`, regularizer `lagam_mixup`
// read pseudo_label). At run start pseudo_label of U is set to 0: the warm-up trains U as
// negative, as the code's initial labels do. L_meta is pu_meta_objective (meta_objective.cpp) on a
// meta batch.
// The meta-gradient is EXACT for the one-step look-ahead: g = grad L_train is taken with
// create_graph on a copy of theta (model `lagam_meta.virtual`, so the trained model, its buffers
// and its autograd versions stay untouched), theta' = theta - eta g is written into a second copy
// (`lagam_meta.lookahead`), v = grad L_meta(theta') is taken there, and d = -eta grad_eps <g, v>
// (one double backward). Both copies are created through the engine (same [model] table, run's
// device, saved in checkpoints) and get theta before every meta step.
// Choices beyond / against the code (docs/methods.md lists them with their sources):
//   - meta_scope = "all" (default) moves every parameter in the look-ahead; "last_layer" moves only
//     the last parameter tensor with >= 2 dimensions in registration order (the output layer's
//     weight in pulab's mlp, cnn and lenet), the code's choice (identifier "classifier",
//     len(p.shape) > 1); docs/methods.md measures the difference;
//   - the meta set is PU (see meta_objective.cpp): meta_set = "training" (default) takes the
//     labeled training positives and the training U, "validation" the validation set's PU view
//     (labeled validation positives as P, the other validation samples as U; on MNIST 1k that is
//     about 9 labeled positives, too few: docs/methods.md); each meta step draws at most
//     meta_batch_size rows of P and of U (uniformly, without replacement) from the global generator;
//     the code draws batches of 64 from a 500-sample validation set with true labels;
//   - P's targets in the look-ahead are 1 (the step's SampleWeighting runs after this hook);
//   - the stored target is written at once (the code stores the epoch's updates and writes them
//     at its end; each U sample is in one batch per epoch, so the targets a step sees are the same);
//   - eta = meta_lr (code: 0.001); m depends on eta only through theta' (d scales with eta).
// compare_scopes = true (a measurement, off by default) also computes every meta label with the
// other scope and prints, at each epoch's end, on how many U samples the two scopes agree (the
// training uses meta_scope's labels only; the extra look-ahead draws no random number).
// Needs the class prior of U (the meta objective): an error names split.prior otherwise.
#include <algorithm>
#include <iostream>
#include <string>

#include <torch/csrc/autograd/autograd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <pulab/error.hpp>
#include <pulab/sample_state.hpp>

#include "lagam.hpp"

namespace pulab_lagam {

namespace {

// At most k of `ids`, drawn uniformly without replacement (all of them, in order, when k >= n).
torch::Tensor draw(const torch::Tensor& ids, std::int64_t k) {
  const std::int64_t n = ids.numel();
  if (n <= k) return ids;
  const auto pick = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong)).slice(0, 0, k);
  return ids.index_select(0, pick.to(ids.device()));
}

}  // namespace

pulab::Schema MetaDisambiguation::schema() {
  return {pulab::param::integer("warmup_epochs", 20, "epochs that train U as negative before the first meta step (code: 20)")
              .at_least(0),
          pulab::param::real("meta_lr", 1e-3, "eta of the virtual SGD step of the look-ahead (code: 0.001)").range(1e-8, 10),
          pulab::param::real("rho_start", 0.95, "EMA factor of the targets at epoch 0 (code: 0.95)").range(0, 1),
          pulab::param::real("rho_end", 0.8, "EMA factor reached at the run's end (code: 0.8)").range(0, 1),
          pulab::param::text("meta_scope", "all",
                             "parameters the look-ahead moves: all (exact) or last_layer (the code's output weight)")
              .one_of({"all", "last_layer"}),
          pulab::param::text("meta_set", "training",
                             "meta set: training (labeled positives and U) or validation (its PU view)")
              .one_of({"validation", "training"}),
          pulab::param::integer("meta_batch_size", 256, "at most this many meta P and this many meta U per meta step")
              .at_least(1),
          pulab::param::boolean("compare_scopes", false,
                                "measurement: also compute the other scope's meta labels; print their agreement per epoch")};
}

MetaDisambiguation::MetaDisambiguation(const pulab::Params& p)
    : warmup_epochs_(p.integer("warmup_epochs")), meta_batch_size_(p.integer("meta_batch_size")),
      meta_lr_(p.real("meta_lr")), rho_start_(p.real("rho_start")), rho_end_(p.real("rho_end")),
      scope_(p.text("meta_scope") == "last_layer" ? Scope::LastLayer : Scope::All),
      meta_from_validation_(p.text("meta_set") == "validation"), compare_scopes_(p.boolean("compare_scopes")) {}

pulab::StateUse MetaDisambiguation::state_use() const {
  pulab::StateUse use;
  use.writes = {"pseudo_label"};
  return use;
}

double MetaDisambiguation::rho_at(std::int64_t epoch, std::int64_t epochs) const {
  return rho_start_ + double(epoch) / double(std::max<std::int64_t>(epochs, 1)) * (rho_end_ - rho_start_);
}

void MetaDisambiguation::on_run_start(pulab::TrainingContext& context) {
  const double prior = context.prior();
  if (!(prior > 0 && prior < 1)) {
    throw pulab::Error("regularizer 'lagam_meta' needs the class prior of the unlabeled data in (0, 1) for its PU meta "
                       "objective, got " + std::to_string(prior) +
                       ": set split.prior to the prior (or split.prior = \"estimate\" with a [prior_estimator])");
  }
  model_ = &context.model();
  state_ = &context.state();
  epochs_ = context.epochs();
  virtual_model_ = context.create_model("lagam_meta.virtual");
  lookahead_ = context.create_model("lagam_meta.lookahead");
  {
    torch::NoGradGuard no_grad;
    state_->pseudo_label.slice(0, state_->n_labeled()).fill_(0.0);
  }
  if (meta_from_validation_) {
    meta_x_ = context.x_validation();
    const auto labeled = context.validation_labeled().to(torch::kBool).reshape({-1});
    meta_p_ids_ = labeled.nonzero().reshape({-1});
    meta_u_ids_ = labeled.logical_not().nonzero().reshape({-1});
    if (meta_p_ids_.numel() == 0 || meta_u_ids_.numel() == 0) {
      throw pulab::Error("regularizer 'lagam_meta': meta_set = \"validation\" needs labeled positives and unlabeled "
                         "samples in the validation set, which has " + std::to_string(meta_p_ids_.numel()) +
                         " labeled and " + std::to_string(meta_u_ids_.numel()) +
                         " unlabeled: raise split.n_validation or set [regularizer.lagam_meta] meta_set = \"training\"");
    }
  } else {
    meta_x_ = context.x_train();
    const auto options = torch::TensorOptions().dtype(torch::kLong).device(context.device());
    meta_p_ids_ = torch::arange(state_->n_labeled(), options);
    meta_u_ids_ = torch::arange(state_->n_labeled(), state_->size(), options);
  }
}

torch::Tensor MetaDisambiguation::meta_labels(const torch::Tensor& gradient) {
  return (gradient.select(1, 1) < gradient.select(1, 0)).to(gradient.dtype());
}

torch::Tensor MetaDisambiguation::meta_gradient(Scope scope, pulab::ScoreModel& model, pulab::ScoreModel& virtual_model,
                                                pulab::ScoreModel& lookahead, const torch::Tensor& x_p,
                                                const torch::Tensor& w_p, const torch::Tensor& x_u,
                                                const torch::Tensor& y_u, const torch::Tensor& xm_p,
                                                const torch::Tensor& xm_u, double prior) const {
  const auto theta = model.parameters();
  const auto theta_v = virtual_model.parameters();
  const auto theta_l = lookahead.parameters();
  if (theta_v.size() != theta.size() || theta_l.size() != theta.size()) {
    throw pulab::Error("regularizer 'lagam_meta': the look-ahead copies do not have the model's parameters");
  }
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < theta.size(); ++i) {
      theta_v[i].copy_(theta[i]);
      theta_l[i].copy_(theta[i]);
    }
  }
  virtual_model.train(model.is_training());
  lookahead.train(model.is_training());

  std::vector<std::size_t> moved;
  for (std::size_t i = 0; i < theta.size(); ++i) {
    if (!theta[i].requires_grad()) continue;
    if (scope == Scope::LastLayer) {
      if (theta[i].dim() >= 2) moved.assign(1, i);
    } else {
      moved.push_back(i);
    }
  }
  const std::int64_t n_p = x_p.size(0), n_u = x_u.size(0);
  const auto g = virtual_model.forward(torch::cat({x_p, x_u})).reshape({-1});
  const auto options = g.options().requires_grad(false);
  if (moved.empty() || n_u == 0) return torch::zeros({n_u, 2}, options);

  const auto eps = torch::zeros({n_u, 2}, options).requires_grad_(true);
  const auto y = y_u.to(options);
  const auto ones_p = w_p.defined() ? w_p.to(options) : torch::ones({n_p}, options);
  const auto t1 = torch::cat({ones_p, y + eps.select(1, 1)});
  const auto t0 = torch::cat({torch::zeros({n_p}, options), 1.0 - y + eps.select(1, 0)});
  const auto train_loss = balanced_bce(g, t1, t0);

  std::vector<torch::Tensor> virtual_moved, lookahead_moved;
  for (auto i : moved) {
    virtual_moved.push_back(theta_v[i]);
    lookahead_moved.push_back(theta_l[i]);
  }
  const auto grads = torch::autograd::grad({train_loss}, virtual_moved, {}, /*retain_graph=*/true,
                                           /*create_graph=*/true, /*allow_unused=*/true);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t k = 0; k < grads.size(); ++k) {
      if (grads[k].defined()) lookahead_moved[k].sub_(meta_lr_ * grads[k].detach());
    }
  }
  const std::int64_t m_p = xm_p.size(0);
  const auto gm = lookahead.forward(torch::cat({xm_p, xm_u})).reshape({-1});
  const auto meta_loss = pu_meta_objective(gm.slice(0, 0, m_p), gm.slice(0, m_p), prior);
  const auto v = torch::autograd::grad({meta_loss}, lookahead_moved, {}, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
  torch::Tensor inner;
  for (std::size_t k = 0; k < grads.size(); ++k) {
    if (!grads[k].defined() || !v[k].defined()) continue;
    const auto term = (grads[k] * v[k].detach()).sum();
    inner = inner.defined() ? inner + term : term;
  }
  if (!inner.defined() || !inner.requires_grad()) return torch::zeros({n_u, 2}, options);
  const auto d = torch::autograd::grad({inner}, {eps}, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                       /*allow_unused=*/true)[0];
  if (!d.defined()) return torch::zeros({n_u, 2}, options);
  return (-meta_lr_ * d).detach();
}

void MetaDisambiguation::prepare(pulab::Batch& batch, const pulab::Progress& progress) {
  if (progress.epoch < warmup_epochs_ || !model_ || batch.x_u.size(0) == 0) return;
  const auto xm_p = meta_x_.index_select(0, draw(meta_p_ids_, meta_batch_size_));
  const auto xm_u = meta_x_.index_select(0, draw(meta_u_ids_, meta_batch_size_));
  const auto y_u = state_->pseudo_label.index_select(0, batch.ids_u);
  const auto d = meta_gradient(scope_, *model_, *virtual_model_, *lookahead_, batch.x_p, torch::Tensor(), batch.x_u,
                               y_u, xm_p, xm_u, batch.prior);
  const auto labels = meta_labels(d);
  if (compare_scopes_) {
    const Scope other = scope_ == Scope::All ? Scope::LastLayer : Scope::All;
    const auto d_other = meta_gradient(other, *model_, *virtual_model_, *lookahead_, batch.x_p, torch::Tensor(),
                                       batch.x_u, y_u, xm_p, xm_u, batch.prior);
    agree_ += labels.eq(meta_labels(d_other)).sum().item<std::int64_t>();
    compared_ += labels.numel();
  }
  const double rho = rho_at(progress.epoch, epochs_);
  torch::NoGradGuard no_grad;
  const auto updated = rho * y_u + (1.0 - rho) * labels.to(y_u.dtype());
  state_->pseudo_label.index_put_({batch.ids_u}, updated);
}

void MetaDisambiguation::on_epoch_end(pulab::TrainingContext& context) {
  if (!compare_scopes_ || compared_ == 0) return;
  std::cerr << "lagam_meta: epoch " << context.progress().epoch + 1 << ": meta labels of meta_scope = \"all\" and "
            << "\"last_layer\" agree on " << agree_ << " of " << compared_ << " U samples ("
            << 100.0 * double(agree_) / double(compared_) << "%)\n";
  agree_ = compared_ = 0;
}

}  // namespace pulab_lagam
