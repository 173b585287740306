#pragma once
// Per-sample state of the training data, and what each component declares it reads and writes.
//
// Sample ids index the training data: [0, n_labeled) are the labeled positives, then the
// unlabeled samples. The state lives on the run's device, is saved in every checkpoint (a resumed
// run sees exactly the state it left), and reaches the step through Batch::state. A method that
// moves U samples into pseudo-labeled sets (Self-PU), drops them (CVIR) or re-weights them
// (Robust-PU) writes it from a TrainingHook; risks, regularizers and samplers read it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

namespace pulab {

class SampleState {
 public:
  SampleState(std::int64_t n_labeled, std::int64_t n_unlabeled, double prior, torch::Device device);

  std::int64_t n_labeled() const { return n_labeled_; }
  std::int64_t n_unlabeled() const { return n_unlabeled_; }
  std::int64_t size() const { return n_labeled_ + n_unlabeled_; }

  // The standard columns, one entry per sample id. Writers replace entries in place
  // (index_put_, masked_fill_) or assign a new tensor of the same shape and device.
  torch::Tensor weight;        // float: a per-sample loss weight; starts at 1
  torch::Tensor pseudo_label;  // float in [0, 1], a soft P(y = +1): 1 for labeled positives, the prior for U
  torch::Tensor active;        // bool: false = set aside (a sampler with skip_inactive leaves it out)

  // A method's own column (a score trend, a confidence...): float zeros on first use. Look it up
  // once at run start and keep the reference; the training step does no string look-ups.
  torch::Tensor& column(const std::string& name);
  const std::map<std::string, torch::Tensor>& extra_columns() const { return extra_; }

  // Sample ids as ranges, for hooks: all labeled positives, all unlabeled samples (int64, device).
  torch::Tensor labeled_ids() const;
  torch::Tensor unlabeled_ids() const;

 private:
  std::int64_t n_labeled_, n_unlabeled_;
  torch::Device device_;
  std::map<std::string, torch::Tensor> extra_;
};

// What a component reads and writes besides its batch. The engine checks the declarations of all
// components of a run before training: every column read has exactly one writer, no column (and
// not the prior) has two writers, and only an oracle baseline reads the true labels of U.
// Standard column names: "weight", "pseudo_label", "active"; any other name is a method's own.
struct StateUse {
  std::vector<std::string> reads;
  std::vector<std::string> writes;
  bool writes_prior = false;  // updates the class prior during training (TrainingContext::set_prior)
  // Reads the true labels of U (Batch::u_positive, TrainingContext::u_positive). Allowed only to
  // the run's risk (the oracle baseline itself); any other component asking is refused.
  bool oracle = false;
};

}  // namespace pulab
