#include "pulab/sample_state.hpp"

#include <torch/torch.h>

namespace pulab {

SampleState::SampleState(std::int64_t n_labeled, std::int64_t n_unlabeled, double prior, torch::Device device)
    : n_labeled_(n_labeled), n_unlabeled_(n_unlabeled), device_(device) {
  const auto real = torch::TensorOptions().dtype(torch::kFloat).device(device);
  weight = torch::ones({size()}, real);
  pseudo_label = torch::cat({torch::ones({n_labeled}, real), torch::full({n_unlabeled}, prior, real)});
  active = torch::ones({size()}, torch::TensorOptions().dtype(torch::kBool).device(device));
}

torch::Tensor& SampleState::column(const std::string& name) {
  auto it = extra_.find(name);
  if (it == extra_.end()) {
    it = extra_.emplace(name, torch::zeros({size()}, torch::TensorOptions().dtype(torch::kFloat).device(device_))).first;
  }
  return it->second;
}

torch::Tensor SampleState::labeled_ids() const {
  return torch::arange(n_labeled_, torch::TensorOptions().dtype(torch::kLong).device(device_));
}

torch::Tensor SampleState::unlabeled_ids() const {
  return torch::arange(n_labeled_, size(), torch::TensorOptions().dtype(torch::kLong).device(device_));
}

}  // namespace pulab
