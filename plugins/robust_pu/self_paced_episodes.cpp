// Hook of risk `robust_pu` (Zhu et al., KDD 2023): the iterative self-correction of the noisy
// negatives. After `pretrain_epochs` epochs of nnPU, training runs in episodes of `inner_epochs`
// epochs; at the start of episode k (0-based) the hook
//   1. scores every training sample with the current model (eval mode, no gradient),
//   2. computes its hardness h (hardness.cpp): l(g / tau_p, +1) for a labeled positive,
//      l(g / tau_n, -1) for an unlabeled sample, which is taken as negative,
//   3. takes the thresholds lambda_p(k), lambda_n(k) of the two training schedulers
//      (threshold_schedule.cpp) and the self-paced weights v = v(h; lambda) (self_paced_weights.cpp),
//   4. writes w = v into SampleState::weight (episode 0), or w = phi w_prev + (1 - phi) v with the
//      momentum phi (later episodes; phi = 0, the code's default, keeps v),
//   5. starts the run's Adam afresh (fresh_optimizer, the code's new optimizer per episode),
// and the risk trains the episode's epochs on P as +1 and U as -1 with those weights. Easy samples
// (confident negatives of U, confident positives of P) enter first; U samples the model scores as
// positive (likely the positives hidden in U) keep low weights until the threshold has grown.
// Schedule facts from the authors' code (main.py, train / weighted_dataloader): weights of P and U
// are recomputed once per episode from the model at the episode's start, the first episode uses
// lambda(0), the moving average starts from the first episode's weights.
// Choices: the code's episode loop stops early on the validation accuracy (true labels, patience 5)
// and its `restart` option re-initialises the model each episode (off by default); neither is done
// here (pulab records the best-validation epoch separately and never trains on validation labels).
// The weights are recomputed only at episode starts, so a resumed run (checkpoint after any epoch,
// SampleState saved) continues bit-identically; the hook keeps no state of its own. A run of at most
// pretrain_epochs epochs has no episode: it is nnPU throughout (as Self-PU's composition selects
// nothing in a run shorter than its first selection epoch).
#include <torch/types.h>

#include "robust_pu.hpp"

namespace pulab_robust_pu {

std::int64_t RobustPu::episode_starting_at(std::int64_t epoch) const {
  if (epoch < pretrain_epochs_) return -1;
  const std::int64_t offset = epoch - pretrain_epochs_;
  return offset % inner_epochs_ == 0 ? offset / inner_epochs_ : -1;
}

void RobustPu::on_epoch_start(pulab::TrainingContext& context) {
  const std::int64_t episode = episode_starting_at(context.progress().epoch);
  if (episode < 0) return;
  pulab::SampleState& state = context.state();
  const auto ids =
      torch::arange(state.size(), torch::TensorOptions().dtype(torch::kLong).device(state.weight.device()));
  const auto g = context.score(ids).to(torch::kFloat);
  const auto g_p = g.slice(0, 0, state.n_labeled());
  const auto g_u = g.slice(0, state.n_labeled());
  const auto v_p = self_paced_weights(self_paced_, hardness(hardness_loss_, g_p, temperature_p_, true),
                                      schedule_p_.at(episode));
  const auto v_u = self_paced_weights(self_paced_, hardness(hardness_loss_, g_u, temperature_n_, false),
                                      schedule_n_.at(episode));
  auto w = torch::cat({v_p, v_u});
  if (episode > 0 && momentum_ > 0) w = momentum_ * state.weight + (1.0 - momentum_) * w;
  state.weight.copy_(w);
  if (fresh_optimizer_) context.reset_optimizer();
}

}  // namespace pulab_robust_pu
