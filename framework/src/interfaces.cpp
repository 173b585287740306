// Out-of-line virtual destructors: they anchor each interface's vtable and type_info in the host
// library, so plugins and host agree on one copy (RTTI across shared objects).
#include "pulab/augmentation.hpp"
#include "pulab/batch_sampler.hpp"
#include "pulab/error.hpp"
#include "pulab/dataset_source.hpp"
#include "pulab/embedding.hpp"
#include "pulab/labeling_mechanism.hpp"
#include "pulab/model.hpp"
#include "pulab/prior_estimator.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_weighting.hpp"
#include "pulab/training_hook.hpp"

namespace pulab {
RiskEstimator::~RiskEstimator() = default;
Regularizer::~Regularizer() = default;
SampleWeighting::~SampleWeighting() = default;
LabelingMechanism::~LabelingMechanism() = default;
ScoreModel::~ScoreModel() = default;
DatasetSource::~DatasetSource() = default;
TrainingHook::~TrainingHook() = default;
TrainingContext::~TrainingContext() = default;
Augmentation& TrainingContext::augmentation(const std::string& role) {
  throw Error("this training context has no augmentations (asked for '" + role + "')");
}
void TrainingContext::reset_optimizer() { throw Error("this training context cannot reset the run's optimizer"); }
void TrainingContext::begin_optimizer_stage(const OptimizerStage& /*stage*/) {
  throw Error("this training context cannot change the run's optimizer");
}
std::shared_ptr<torch::optim::Optimizer> TrainingContext::create_module_optimizer(const std::string& key,
                                                                                  torch::nn::Module& /*module*/) {
  throw Error("this training context cannot create optimizers (asked for '" + key + "')");
}
BatchSampler::~BatchSampler() = default;
PriorEstimator::~PriorEstimator() = default;
Augmentation::~Augmentation() = default;
EmbeddingModel::~EmbeddingModel() = default;

EmbeddingModel& embedding_of(ScoreModel& model, const std::string& who) {
  if (auto* embedding = dynamic_cast<EmbeddingModel*>(&model)) return *embedding;
  std::string name = model.name();  // "(anonymous namespace)::LinearModel": the class is what helps
  if (const auto colons = name.rfind("::"); colons != std::string::npos) name = name.substr(colons + 2);
  throw Error(who + " needs a model with an embedding (mlp, tabular_mlp, lenet, cnn13); the run's model (" + name +
              ") has none");
}
}  // namespace pulab
