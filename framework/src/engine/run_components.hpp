#pragma once
// The components of one run, built from its RunSpec, and the check of what they declare they read
// and write (StateUse) before training starts.
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "pulab/batch_sampler.hpp"
#include "pulab/model.hpp"
#include "pulab/registry.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_weighting.hpp"
#include "pulab/training_hook.hpp"

namespace pulab {

// A hook of the run with the name messages use ("[hook.self_paced]", "[regularizer.mean_teacher]").
struct NamedHook {
  std::string label;
  TrainingHook* hook;
};

struct RunComponents {
  std::shared_ptr<ScoreModel> model;
  std::shared_ptr<RiskEstimator> risk;
  std::shared_ptr<SampleWeighting> weighting;  // null: every weight 1
  std::vector<std::shared_ptr<Regularizer>> regularizers;
  std::shared_ptr<BatchSampler> sampler;
  std::vector<std::shared_ptr<TrainingHook>> hook_tables;  // the [hook.<name>] components
  // Every hook to call: the [hook.<name>] components, then each other component that is also a
  // TrainingHook (risk, weighting, regularizers, sampler), each object once.
  std::vector<NamedHook> hooks;
  bool oracle = false;        // the risk is an oracle baseline: U's true labels reach it
  bool prior_writer = false;  // some component declared StateUse::writes_prior
};

// Builds the model (its initialisation draws from the global generator), the risk, weighting,
// regularizers, sampler and hooks. Throws pulab::Error naming the component.
RunComponents build_components(const RunSpec& spec, const Registries& registries, const BuildContext& context);

// Checks the components' StateUse declarations (one writer per column and for the prior, a writer
// for every column read, U's labels only to an oracle risk) and sets `oracle` and `prior_writer`.
// Throws pulab::Error naming the component and the state.
void check_state_uses(const RunSpec& spec, RunComponents& components);

// Builds one component of an interface from its configuration (also the model factory that
// extra models of hooks go through).
template <class Interface>
std::shared_ptr<Interface> build_component(const Registry<Interface>& registry, const ComponentConfig& config,
                                           const BuildContext& context);

}  // namespace pulab
