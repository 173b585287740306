#include "engine/training_data.hpp"

#include <torch/torch.h>

namespace pulab {

TrainingData to_device(const PUData& pu, torch::Device device, bool oracle) {
  TrainingData d;
  d.n_labeled = pu.x_p.size(0);
  d.n_unlabeled = pu.x_u.size(0);
  // P and U live in one contiguous tensor; a batch is gathered with index_select.
  d.x_train = torch::cat({pu.x_p, pu.x_u}).to(device);
  if (oracle) d.u_positive = pu.u_positive.to(device);
  d.x_val = pu.x_val.to(device);
  d.x_test = pu.x_test.to(device);
  d.y_val = pu.y_val;
  d.val_labeled = pu.val_labeled;
  d.y_test = pu.y_test;
  return d;
}

torch::Tensor score_in_batches(ScoreModel& model, const torch::Tensor& x, std::int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (std::int64_t start = 0; start < x.size(0); start += batch_size) {
    parts.push_back(model.forward(x.slice(0, start, std::min(start + batch_size, x.size(0)))).reshape({-1}));
  }
  if (parts.empty()) return torch::empty({0}, x.options());
  return torch::cat(parts);
}

Batch gather_batch(const TrainingData& data, const BatchIds& ids, const SampleState& state, double prior,
                   const Progress& progress) {
  Batch batch;
  const auto device = data.x_train.device();
  batch.ids_p = ids.p.to(device);
  batch.ids_u = ids.u.to(device);
  batch.x_p = data.x_train.index_select(0, batch.ids_p);
  batch.x_u = data.x_train.index_select(0, batch.ids_u);
  if (data.u_positive.defined()) batch.u_positive = data.u_positive.index_select(0, batch.ids_u - data.n_labeled);
  batch.state = &state;
  batch.prior = prior;
  batch.progress = progress;
  return batch;
}

}  // namespace pulab
