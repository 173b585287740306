#include "engine/run_components.hpp"

#include <map>
#include <set>

#include <torch/types.h>

#include "pulab/augmentation.hpp"
#include "pulab/dataset_source.hpp"
#include "pulab/error.hpp"
#include "pulab/labeling_mechanism.hpp"
#include "pulab/prior_estimator.hpp"

namespace pulab {

template <class Interface>
std::shared_ptr<Interface> build_component(const Registry<Interface>& registry, const ComponentConfig& config,
                                           const BuildContext& context) {
  const auto* component = registry.find(config.name);
  if (!component) throw Error(std::string("unknown ") + kind_name<Interface>() + " '" + config.name + "'");
  try {
    return component->factory(config.params, context);
  } catch (const DataError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string(kind_name<Interface>()) + " '" + config.name + "': " + e.what());
  }
}

template std::shared_ptr<ScoreModel> build_component(const Registry<ScoreModel>&, const ComponentConfig&,
                                                     const BuildContext&);
template std::shared_ptr<DatasetSource> build_component(const Registry<DatasetSource>&, const ComponentConfig&,
                                                        const BuildContext&);
template std::shared_ptr<LabelingMechanism> build_component(const Registry<LabelingMechanism>&,
                                                            const ComponentConfig&, const BuildContext&);
template std::shared_ptr<PriorEstimator> build_component(const Registry<PriorEstimator>&, const ComponentConfig&,
                                                         const BuildContext&);
template std::shared_ptr<Augmentation> build_component(const Registry<Augmentation>&, const ComponentConfig&,
                                                       const BuildContext&);

namespace {

// One component of the run as the state check sees it.
struct Declaration {
  std::string label;  // "[hook.self_paced]"
  StateUse use;
  bool is_risk = false;
};

// Each object once, whatever interfaces it implements: its most-derived address identifies it.
class Declarations {
 public:
  template <class Interface>
  void add(const std::string& label, const std::shared_ptr<Interface>& component, RunComponents& run,
           bool is_risk = false) {
    if (!component) return;
    const void* identity = dynamic_cast<const void*>(component.get());
    if (!seen_.insert(identity).second) return;
    list_.push_back({label, component->state_use(), is_risk});
    if constexpr (!std::is_same_v<Interface, TrainingHook>) {
      if (auto* hook = dynamic_cast<TrainingHook*>(component.get())) run.hooks.push_back({label, hook});
    } else {
      run.hooks.push_back({label, component.get()});
    }
  }
  const std::vector<Declaration>& list() const { return list_; }

 private:
  std::set<const void*> seen_;
  std::vector<Declaration> list_;
};

}  // namespace

RunComponents build_components(const RunSpec& spec, const Registries& registries, const BuildContext& context) {
  RunComponents c;
  c.model = build_component(registries.models, spec.model, context);
  c.risk = build_component(registries.risks, spec.risk, context);
  if (!spec.weighting.name.empty()) c.weighting = build_component(registries.weightings, spec.weighting, context);
  for (const auto& r : spec.regularizers) c.regularizers.push_back(build_component(registries.regularizers, r, context));
  c.sampler = build_component(registries.samplers, spec.sampler, context);
  for (const auto& h : spec.hooks) c.hook_tables.push_back(build_component(registries.hooks, h, context));
  return c;
}

void check_state_uses(const RunSpec& spec, RunComponents& c) {
  c.hooks.clear();
  Declarations d;
  for (std::size_t i = 0; i < c.hook_tables.size(); ++i) d.add("[hook." + spec.hooks[i].name + "]", c.hook_tables[i], c);
  d.add("[risk] " + spec.risk.name, c.risk, c, true);
  if (c.weighting) d.add("[weighting] " + spec.weighting.name, c.weighting, c);
  for (std::size_t i = 0; i < c.regularizers.size(); ++i) {
    d.add("[regularizer." + spec.regularizers[i].name + "]", c.regularizers[i], c);
  }
  d.add("[sampler] " + spec.sampler.name, c.sampler, c);

  std::map<std::string, std::string> writer;  // column -> who writes it
  std::string prior_writer;
  for (const auto& decl : d.list()) {
    for (const auto& column : decl.use.writes) {
      auto [it, fresh] = writer.emplace(column, decl.label);
      if (!fresh) {
        throw Error("state '" + column + "' is written by both " + it->second + " and " + decl.label +
                    "; a per-sample column has one writer (switch one off with enabled = false)");
      }
    }
    if (decl.use.writes_prior) {
      if (!prior_writer.empty()) {
        throw Error("the class prior is updated by both " + prior_writer + " and " + decl.label +
                    "; at most one component may update it");
      }
      prior_writer = decl.label;
    }
    if (decl.use.oracle && !decl.is_risk) {
      throw Error(decl.label + " asks for the true labels of U, which only an oracle baseline's risk may read "
                  "(the run's risk is '" + spec.risk.name + "')");
    }
  }
  for (const auto& decl : d.list()) {
    for (const auto& column : decl.use.reads) {
      if (!writer.count(column)) {
        throw Error(decl.label + " reads state '" + column + "', which no component of this run writes; add the "
                    "hook that provides it (see `pulab plugins`) or remove " + decl.label);
      }
    }
  }
  c.oracle = false;
  for (const auto& decl : d.list()) c.oracle = c.oracle || (decl.is_risk && decl.use.oracle);
  c.prior_writer = !prior_writer.empty();
}

}  // namespace pulab
