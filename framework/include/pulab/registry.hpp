#pragma once
// Typed registries of components, one per interface.
//
// A plugin's registration function adds components to them through a Registrar; the host
// looks components up by the name an experiment file gives. Nothing registers itself from a
// static initializer: the host calls each plugin's registration function once, after loading.
// This header does not include LibTorch: interfaces are only forward-declared here.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "pulab/error.hpp"
#include "pulab/params.hpp"

namespace pulab {

class RiskEstimator;
class Regularizer;
class SampleWeighting;
class LabelingMechanism;
class ScoreModel;
class DatasetSource;
class TrainingHook;
class BatchSampler;
class PriorEstimator;
class Augmentation;

// The word for each interface in messages ("unknown risk 'nnpuu'").
template <class Interface>
const char* kind_name();
template <> inline const char* kind_name<RiskEstimator>() { return "risk"; }
template <> inline const char* kind_name<Regularizer>() { return "regularizer"; }
template <> inline const char* kind_name<SampleWeighting>() { return "weighting"; }
template <> inline const char* kind_name<LabelingMechanism>() { return "labeling"; }
template <> inline const char* kind_name<ScoreModel>() { return "model"; }
template <> inline const char* kind_name<DatasetSource>() { return "dataset"; }
template <> inline const char* kind_name<TrainingHook>() { return "hook"; }
template <> inline const char* kind_name<BatchSampler>() { return "sampler"; }
template <> inline const char* kind_name<PriorEstimator>() { return "prior estimator"; }
template <> inline const char* kind_name<Augmentation>() { return "augmentation"; }

// What a factory may need besides its parameters.
struct BuildContext {
  std::vector<std::int64_t> input_shape;  // one sample's shape, e.g. {784} or {3, 32, 32}
  std::string data_dir;                   // where data sets live (datasets only)
};

template <class Interface>
struct Component {
  std::string name;
  std::string help;
  Schema schema;
  std::string plugin;  // the plugin that registered it
  std::string origin;  // the library file it came from
  std::function<std::shared_ptr<Interface>(const Params&, const BuildContext&)> factory;
};

// All components of one interface, by name.
template <class Interface>
class Registry {
 public:
  void add(Component<Interface> component) {
    auto it = entries_.find(component.name);
    if (it != entries_.end()) {
      throw PluginError(component.origin + ": duplicate " + kind_name<Interface>() + " '" + component.name +
                        "' (already registered by plugin '" + it->second.plugin + "' from " +
                        it->second.origin + ")");
    }
    entries_.emplace(component.name, std::move(component));
  }
  const Component<Interface>* find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : entries_) out.push_back(name);
    return out;
  }
  const std::map<std::string, Component<Interface>>& entries() const { return entries_; }

 private:
  std::map<std::string, Component<Interface>> entries_;
};

// One registry per interface.
struct Registries {
  Registry<RiskEstimator> risks;
  Registry<Regularizer> regularizers;
  Registry<SampleWeighting> weightings;
  Registry<LabelingMechanism> labelings;
  Registry<ScoreModel> models;
  Registry<DatasetSource> datasets;
  Registry<TrainingHook> hooks;
  Registry<BatchSampler> samplers;
  Registry<PriorEstimator> prior_estimators;  // appended after the others: older plugins see their layout
  Registry<Augmentation> augmentations;       // last: appending keeps the layout older plugins see

  template <class Interface>
  Registry<Interface>& of();
  template <class Interface>
  const Registry<Interface>& of() const { return const_cast<Registries*>(this)->of<Interface>(); }

  // Calls f(registry) for every registry, in the order `pulab plugins` lists them.
  template <class F>
  void for_each(F&& f) const {
    f(datasets), f(labelings), f(models), f(samplers), f(risks), f(regularizers), f(weightings), f(hooks), f(prior_estimators),
        f(augmentations);
  }
};

template <> inline Registry<RiskEstimator>& Registries::of<RiskEstimator>() { return risks; }
template <> inline Registry<Regularizer>& Registries::of<Regularizer>() { return regularizers; }
template <> inline Registry<SampleWeighting>& Registries::of<SampleWeighting>() { return weightings; }
template <> inline Registry<LabelingMechanism>& Registries::of<LabelingMechanism>() { return labelings; }
template <> inline Registry<ScoreModel>& Registries::of<ScoreModel>() { return models; }
template <> inline Registry<DatasetSource>& Registries::of<DatasetSource>() { return datasets; }
template <> inline Registry<TrainingHook>& Registries::of<TrainingHook>() { return hooks; }
template <> inline Registry<BatchSampler>& Registries::of<BatchSampler>() { return samplers; }
template <> inline Registry<PriorEstimator>& Registries::of<PriorEstimator>() { return prior_estimators; }
template <> inline Registry<Augmentation>& Registries::of<Augmentation>() { return augmentations; }

// Handed to a plugin's registration function.
class Registrar {
 public:
  Registrar(Registries& registries, std::string plugin, std::string origin)
      : registries_(registries), plugin_(std::move(plugin)), origin_(std::move(origin)) {}

  // Registers Impl under `name` as a component of Interface. Impl provides
  // `static pulab::Schema schema()` and a constructor taking (const Params&) or
  // (const Params&, const BuildContext&).
  template <class Interface, class Impl>
  void add(const std::string& name, const std::string& help) {
    static_assert(std::is_base_of_v<Interface, Impl>, "Impl must implement Interface");
    Component<Interface> c;
    c.name = name;
    c.help = help;
    c.schema = Impl::schema();
    c.plugin = plugin_;
    c.origin = origin_;
    c.factory = [](const Params& p, const BuildContext& ctx) -> std::shared_ptr<Interface> {
      if constexpr (std::is_constructible_v<Impl, const Params&, const BuildContext&>) {
        return std::make_shared<Impl>(p, ctx);
      } else {
        (void)ctx;
        return std::make_shared<Impl>(p);
      }
    };
    registries_.of<Interface>().add(std::move(c));
  }

 private:
  Registries& registries_;
  std::string plugin_;
  std::string origin_;
};

}  // namespace pulab
