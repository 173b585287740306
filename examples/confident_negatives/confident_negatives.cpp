// confident_negatives: a training hook that sets aside the unlabeled samples the model is already
// sure are negative, a growing share of them, so that later epochs spend their steps on the
// ambiguous part of U (a self-paced curriculum; not a method of the GradPU paper).
//
// After each epoch e (1-based) from start_epoch on, with E the run's epochs:
//   drop(e) = max_drop * (e - start_epoch + 1) / (E - start_epoch + 1)
// the drop(e) fraction of U with the lowest scores g(x) gets active = false; the others are
// active again (a sample set aside earlier comes back if the model changed its mind). The sampler
// leaves inactive samples out when the experiment says [sampler] skip_inactive = true. Labeled
// positives are never set aside.
#include <cmath>

#include <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/training_hook.hpp>

namespace {

class ConfidentNegatives final : public pulab::TrainingHook {
 public:
  static pulab::Schema schema() {
    return {pulab::param::integer("start_epoch", 2, "first epoch (1-based) after which samples are set aside").at_least(1),
            pulab::param::real("max_drop", 0.3, "fraction of U set aside after the last epoch").range(0, 0.9)};
  }
  explicit ConfidentNegatives(const pulab::Params& p)
      : start_epoch_(p.integer("start_epoch")), max_drop_(p.real("max_drop")) {}

  // It writes the active mask; the engine refuses a run where another component writes it too.
  pulab::StateUse state_use() const override {
    pulab::StateUse use;
    use.writes = {"active"};
    return use;
  }

  void on_epoch_end(pulab::TrainingContext& context) override {
    const std::int64_t epoch = context.progress().epoch + 1;
    if (epoch < start_epoch_) return;
    const double drop = max_drop_ * double(epoch - start_epoch_ + 1) / double(context.epochs() - start_epoch_ + 1);
    pulab::SampleState& state = context.state();
    const auto u = state.unlabeled_ids();
    const auto order = context.score(u).argsort();  // lowest scores first: the surest negatives
    const auto n = std::llround(drop * double(u.numel()));
    state.active.index_fill_(0, u, true);
    state.active.index_fill_(0, u.index_select(0, order.slice(0, 0, n)), false);
  }

 private:
  std::int64_t start_epoch_;
  double max_drop_;
};

}  // namespace

PULAB_PLUGIN("confident_negatives", "1.0.0") {
  registrar.add<pulab::TrainingHook, ConfidentNegatives>(
      "confident_negatives", "sets aside a growing share of the U samples the model scores lowest");
}
