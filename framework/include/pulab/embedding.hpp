#pragma once
// EmbeddingModel: the optional side of a ScoreModel that exposes its representation, the last
// hidden layer that its score is a linear function of, for methods that learn on it (contrastive
// terms on views, clustering of U, nearest neighbours). A model opts in by deriving from
// ScoreModel and EmbeddingModel; a method finds that side with embedding_of(model, who). An
// optional interface rather than a new virtual of ScoreModel: plugins built before it keep working.
#include <cstdint>
#include <string>

#include <torch/types.h>

namespace pulab {

class ScoreModel;

class EmbeddingModel {
 public:
  virtual ~EmbeddingModel();

  // [batch, embedding_dim()]: what forward() computes before its output layer, by the same
  // operations (dropout in training mode included), differentiable; forward(x) equals the output
  // layer applied to embed(x).
  virtual torch::Tensor embed(const torch::Tensor& x) = 0;
  virtual std::int64_t embedding_dim() const = 0;
};

// The model's EmbeddingModel side; throws pulab::Error "<who> needs a model with an embedding
// (mlp, tabular_mlp, lenet, cnn13); the run's model (Linear...) has none".
EmbeddingModel& embedding_of(ScoreModel& model, const std::string& who);

}  // namespace pulab
