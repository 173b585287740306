// `pulab new plugin`: plugin skeletons that compile as they are (tests/test_sdk.cpp builds all of
// them against an installed pulab and runs their sample experiments).
#include "cli/scaffold.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "config/config_node.hpp"
#include "plugin/plugin_host.hpp"
#include "pulab/error.hpp"
#include "pulab/version.hpp"

namespace pulab {
namespace {
namespace fs = std::filesystem;

// ---- templates: @NAME@ (component, plugin and target name), @CLASS@, @KIND@, @PULAB_VERSION@ ----

constexpr const char* kCMakeLists = R"tmpl(# The pulab plugin '@NAME@', built against an installed pulab:
#   cmake -S . -B build -DCMAKE_PREFIX_PATH=<pulab prefix>
#   cmake --build build
#   <pulab prefix>/bin/pulab run @NAME@.toml --plugin-dir build
# `cmake --install build --prefix <pulab prefix>` puts it next to the built-in plugins.
cmake_minimum_required(VERSION 3.18)
project(@NAME@ LANGUAGES CXX)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

find_package(pulab @PULAB_VERSION@ REQUIRED)  # pulab::core (headers, LibTorch) and pulab_add_plugin()
pulab_add_plugin(@NAME@ SOURCES @NAME@.cpp)   # MODULE, hidden visibility, installed to lib/pulab/plugins
)tmpl";

constexpr const char* kRiskSource = R"tmpl(// @NAME@: a risk estimator (written by `pulab new plugin`; TODO: say what it computes).
// As written it is the unbiased PU risk  pi E_P[w l(g,+1)] + E_U[l(g,-1)] - pi E_P[w l(g,-1)].
#include <torch/torch.h>

#include <pulab/loss.hpp>
#include <pulab/plugin.hpp>
#include <pulab/risk_estimator.hpp>

namespace {

class @CLASS@ final : public pulab::RiskEstimator {
 public:
  // The keys of the experiment's [risk] table: type, default, range, help (`pulab describe @NAME@`).
  static pulab::Schema schema() { return {pulab::loss_param("sigmoid")}; }
  // Read parameters once, here: the training step never looks up a string.
  explicit @CLASS@(const pulab::Params& p) : loss_(pulab::parse_loss(p.text("loss"))) {}

  // One mini-batch: raw scores g of the labeled positives (in.scores.p) and of the unlabeled
  // samples (in.scores.u), the class prior in.prior, and the positives' weights from the
  // experiment's [weighting] (undefined = all ones).
  pulab::RiskOutput compute(const pulab::RiskInput& in) override {
    auto positive = pulab::loss_positive(loss_, in.scores.p);  // l(g, +1)
    auto as_negative = pulab::loss_negative(loss_, in.scores.p);  // l(g, -1)
    if (in.positive_weights.defined()) {
      positive = positive * in.positive_weights;
      as_negative = as_negative * in.positive_weights;
    }
    const auto unlabeled = pulab::loss_negative(loss_, in.scores.u);
    const auto risk = in.prior * positive.mean() + unlabeled.mean() - in.prior * as_negative.mean();
    return {risk, risk};  // {what backward() differentiates, what is logged}
  }

 private:
  pulab::Loss loss_;
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::RiskEstimator, @CLASS@>("@NAME@", "unbiased PU risk (skeleton of pulab new plugin)");
}
)tmpl";

constexpr const char* kRegularizerSource = R"tmpl(// @NAME@: a regularizer (written by `pulab new plugin`; TODO: say what it penalizes).
// As written it penalizes large scores: weight * mean(g^2) over the batch.
#include <torch/torch.h>

#include <pulab/model.hpp>
#include <pulab/plugin.hpp>
#include <pulab/regularizer.hpp>

namespace {

class @CLASS@ final : public pulab::Regularizer {
 public:
  // The keys of the experiment's [regularizer.@NAME@] table (`pulab describe @NAME@`).
  static pulab::Schema schema() {
    return {pulab::param::real("weight", 0.01, "strength of the penalty").range(0, 100)};
  }
  // Read parameters once, here: the training step never looks up a string.
  explicit @CLASS@(const pulab::Params& p) : weight_(p.real("weight")) {}

  // Optional: called before the forward pass, may change batch.x_p / batch.x_u (input noise).
  void prepare(pulab::Batch& /*batch*/, const pulab::Progress& /*progress*/) override {}

  // The penalty added to the objective: a scalar tensor (or an undefined one for none). The model
  // may be evaluated at new inputs here (model.forward(x)); scores holds g on the batch.
  torch::Tensor penalty(pulab::ScoreModel& /*model*/, const pulab::Batch& /*batch*/, const pulab::Scores& scores,
                        const pulab::Progress& /*progress*/) override {
    return weight_ * torch::cat({scores.p, scores.u}).square().mean();
  }

 private:
  double weight_;
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::Regularizer, @CLASS@>("@NAME@", "weight * mean(g^2) (skeleton of pulab new plugin)");
}
)tmpl";

constexpr const char* kWeightingSource = R"tmpl(// @NAME@: a weighting of the labeled positives (written by `pulab new plugin`; TODO: say how).
// As written: w = 1 + strength * t * sigmoid(-g), t the fraction of training done, so badly fitted
// positives (g < 0) weigh up to 1 + strength by the end of the run.
#include <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/sample_weighting.hpp>

namespace {

class @CLASS@ final : public pulab::SampleWeighting {
 public:
  // The keys of the experiment's [weighting] table (`pulab describe @NAME@`).
  static pulab::Schema schema() {
    return {pulab::param::real("strength", 1.0, "extra weight of a badly fitted positive at the end").at_least(0)};
  }
  // Read parameters once, here: the training step never looks up a string.
  explicit @CLASS@(const pulab::Params& p) : strength_(p.real("strength")) {}

  // Weights for the scores g_p of the batch's labeled positives, shaped like g_p; the risk
  // multiplies its positive terms by them. An undefined tensor means all ones.
  // batch.progress says where training stands, batch.prior is the class prior of U now.
  torch::Tensor positive_weights(const torch::Tensor& g_p, const pulab::Batch& batch) override {
    if (strength_ == 0) return {};
    // detach(): a weight, not a path for gradients.
    return 1.0 + strength_ * batch.progress.fraction() * torch::sigmoid(-g_p.detach());
  }

 private:
  double strength_;
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::SampleWeighting, @CLASS@>("@NAME@", "w = 1 + strength t sigmoid(-g) (skeleton of pulab new plugin)");
}
)tmpl";

constexpr const char* kLabelingSource = R"tmpl(// @NAME@: a labeling mechanism (written by `pulab new plugin`; TODO: say which positives it labels).
// As written it is SCAR: the labeled positives are drawn uniformly from the positives of the pool.
#include <torch/torch.h>

#include <pulab/labeling_mechanism.hpp>
#include <pulab/plugin.hpp>

namespace {

class @CLASS@ final : public pulab::LabelingMechanism {
 public:
  // The keys of the experiment's [labeling] table (`pulab describe @NAME@`); none yet.
  static pulab::Schema schema() { return {}; }
  explicit @CLASS@(const pulab::Params& /*p*/) {}

  // Called once per run: in.x is the training pool, in.positive its true classes (bool); return
  // the int64 indices of in.n_labeled distinct positives. Draw with in.seed so runs repeat.
  torch::Tensor select(const pulab::LabelingInput& in) override {
    const auto positives = in.positive.nonzero().squeeze(1);
    auto generator = at::detail::createCPUGenerator(in.seed);
    const auto order = torch::randperm(positives.size(0), generator, torch::kLong);
    return positives.index_select(0, order.slice(0, 0, in.n_labeled));
  }
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::LabelingMechanism, @CLASS@>("@NAME@", "uniform draw of the positives (skeleton of pulab new plugin)");
}
)tmpl";

constexpr const char* kHookSource = R"tmpl(// @NAME@: a training hook (written by `pulab new plugin`; TODO: say what it does, and cite).
// As written: after each epoch from start_epoch on, it sets aside (state.active = false) the
// fraction `drop` of the unlabeled samples that the model scores lowest, so that the sampler
// ([sampler] skip_inactive = true) leaves them out of the next epoch's batches.
#include <cmath>

#include <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/training_hook.hpp>

namespace {

class @CLASS@ final : public pulab::TrainingHook {
 public:
  // The keys of the experiment's [hook.@NAME@] table (`pulab describe @NAME@`).
  static pulab::Schema schema() {
    return {pulab::param::integer("start_epoch", 2, "first epoch (1-based) after which samples are set aside").at_least(1),
            pulab::param::real("drop", 0.1, "fraction of U set aside").range(0, 0.9)};
  }
  explicit @CLASS@(const pulab::Params& p) : start_epoch_(p.integer("start_epoch")), drop_(p.real("drop")) {}

  // What it writes (and reads): the engine checks that every state read has one writer.
  pulab::StateUse state_use() const override {
    pulab::StateUse use;
    use.writes = {"active"};
    return use;
  }

  // Also available: on_run_start, on_epoch_start, after_step, and save/load for the hook's own state.
  void on_epoch_end(pulab::TrainingContext& context) override {
    if (context.progress().epoch + 1 < start_epoch_) return;
    pulab::SampleState& state = context.state();
    const auto u = state.unlabeled_ids();
    const auto order = context.score(u).argsort();  // lowest scores first
    const auto n = std::llround(drop_ * double(u.numel()));
    state.active.index_fill_(0, u, true);
    state.active.index_fill_(0, u.index_select(0, order.slice(0, 0, n)), false);
  }

 private:
  std::int64_t start_epoch_;
  double drop_;
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::TrainingHook, @CLASS@>("@NAME@", "sets aside the lowest-scored U each epoch (skeleton of pulab new plugin)");
}
)tmpl";

constexpr const char* kModelSource = R"tmpl(// @NAME@: a model (written by `pulab new plugin`; TODO: say what architecture).
// As written: one hidden layer of `width` units with ReLU. A model returns raw scores g(x),
// shape [batch]; links (sigmoid, tanh) belong to the losses.
#include <torch/torch.h>

#include <pulab/model.hpp>
#include <pulab/plugin.hpp>

namespace {

class @CLASS@ final : public pulab::ScoreModel {
 public:
  // The keys of the experiment's [model] table (`pulab describe @NAME@`).
  static pulab::Schema schema() { return {pulab::param::integer("width", 64, "hidden units").at_least(1)}; }
  // context.input_shape is one sample's shape, e.g. {784} or {3, 32, 32}.
  @CLASS@(const pulab::Params& p, const pulab::BuildContext& context) {
    std::int64_t in = 1;
    for (auto d : context.input_shape) in *= d;
    hidden_ = register_module("hidden", torch::nn::Linear(in, p.integer("width")));
    out_ = register_module("out", torch::nn::Linear(p.integer("width"), 1));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    return out_->forward(torch::relu(hidden_->forward(x.flatten(1)))).squeeze(1);
  }

 private:
  torch::nn::Linear hidden_{nullptr}, out_{nullptr};
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::ScoreModel, @CLASS@>("@NAME@", "one hidden ReLU layer (skeleton of pulab new plugin)");
}
)tmpl";

constexpr const char* kDatasetSource = R"tmpl(// @NAME@: a data set (written by `pulab new plugin`; TODO: say where the data come from).
// As written it generates two Gaussian classes (label 0 and 1) from its own seed; a real one reads
// files under context.data_dir (pulab/readers.hpp reads IDX, CSV and CIFAR files and checks SHA-256).
#include <torch/torch.h>

#include <pulab/dataset_source.hpp>
#include <pulab/plugin.hpp>

namespace {

class @CLASS@ final : public pulab::DatasetSource {
 public:
  // The keys of the experiment's [dataset] table (`pulab describe @NAME@`).
  static pulab::Schema schema() {
    return {pulab::param::integer("n_train", 4000, "training samples").at_least(10),
            pulab::param::integer("n_test", 1000, "test samples").at_least(10),
            pulab::param::integer("seed", 0, "seed of the generated data").at_least(0)};
  }
  @CLASS@(const pulab::Params& p, const pulab::BuildContext& context)
      : n_train_(p.integer("n_train")), n_test_(p.integer("n_test")), seed_(p.integer("seed")),
        data_dir_(context.data_dir) {}

  // Called once per run: float32 x [n, features...], int64 class labels y [n].
  pulab::LabeledData load() override {
    auto generator = at::detail::createCPUGenerator(static_cast<std::uint64_t>(seed_));
    auto make = [&](std::int64_t n) {
      const auto y = torch::randint(2, {n}, generator, torch::kLong);
      const auto x = torch::randn({n, 10}, generator, torch::kFloat) + 2.0 * y.to(torch::kFloat).unsqueeze(1);
      return pulab::LabeledSet{x, y};
    };
    pulab::LabeledData data;
    data.train = make(n_train_);
    data.test = make(n_test_);
    data.default_positive_classes = {1};
    return data;
  }

 private:
  std::int64_t n_train_, n_test_, seed_;
  std::string data_dir_;
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::DatasetSource, @CLASS@>("@NAME@", "two Gaussian classes (skeleton of pulab new plugin)");
}
)tmpl";

// The sample experiment: synthetic data (no download), with @COMPONENT_TABLES@ per kind.
constexpr const char* kAugmentationSource = R"tmpl(// @NAME@: an augmentation (written by `pulab new plugin`; TODO: say what view it draws, and cite).
// As written it rescales every feature of every row by its own random factor 1 + strength * N(0, 1).
// A method's hook asks the run for an augmentation by role (context.augmentation("strong")); the
// sample experiment gives the role "strong" to this one and lets the `fixmatch` regularizer use it.
#include <torch/torch.h>

#include <pulab/augmentation.hpp>
#include <pulab/plugin.hpp>

namespace {

class @CLASS@ final : public pulab::Augmentation {
 public:
  // The keys of the experiment's [augmentation.<role>] table besides name (`pulab describe @NAME@`).
  static pulab::Schema schema() {
    return {pulab::param::real("strength", 0.1, "standard deviation of the per-feature scale factor").range(0, 10)};
  }
  // Read parameters once, here. The constructor may also take (const Params&, const BuildContext&):
  // ctx.input_shape is one sample's shape (pulab::image_shape reads images from it).
  explicit @CLASS@(const pulab::Params& p) : strength_(p.real("strength")) {}

  // A random view of the batch, same shape; draw only from LibTorch's global generator, so that a
  // resumed run draws the same views. No gradient flows into the inputs.
  torch::Tensor apply(const torch::Tensor& x) override {
    torch::NoGradGuard no_grad;
    return x * (1 + strength_ * torch::randn_like(x));
  }

 private:
  double strength_;
};

}  // namespace

// The one registration line: kind, class, the name experiments use, one line of help.
PULAB_PLUGIN("@NAME@", "0.1.0") {
  registrar.add<pulab::Augmentation, @CLASS@>("@NAME@", "x * (1 + strength * N(0, 1)) per feature (skeleton of pulab new plugin)");
}
)tmpl";

constexpr const char* kExperiment = R"tmpl(# Tries the @KIND@ '@NAME@' on pulab's built-in synthetic data (no download):
#   pulab run @NAME@.toml --plugin-dir build
# Results go to results/@NAME@/<run>/result.json. Every key: docs/experiment-format.md.
name = "@NAME@"

[split]
n_labeled = 500
n_validation = 300

@COMPONENT_TABLES@
[train]
epochs = 10
batch_size = 250
lr = 1e-3
seed = 0
)tmpl";

struct KindTemplate {
  const char* source;
  std::string tables;  // the experiment's [dataset], [model], [labeling], [risk], ... tables
};

// The sample experiment's data and model where the new plugin is neither.
const std::string kSyntheticData =
    "[dataset]\nname = \"synthetic\"\ndim = 20\nn_train = 6000\nn_test = 2000\nseparation = 8.0\n\n";
const std::string kMlp = "[model]\nname = \"mlp\"\nhidden = [64, 64]\n\n";
const std::string kScarNnpu = "[labeling]\nname = \"scar\"\n\n[risk]\nname = \"nnpu\"\n";

const std::map<std::string, KindTemplate>& templates() {
  static const std::map<std::string, KindTemplate> t{
      {"risk", {kRiskSource, kSyntheticData + kMlp +
                                 "[labeling]\nname = \"scar\"\n\n[risk]\nname = \"@NAME@\"\nloss = \"sigmoid\"\n"}},
      {"regularizer", {kRegularizerSource, kSyntheticData + kMlp + kScarNnpu + "\n[regularizer.@NAME@]\nweight = 0.01\n"}},
      {"weighting",
       {kWeightingSource, kSyntheticData + kMlp + kScarNnpu + "\n[weighting]\nname = \"@NAME@\"\nstrength = 1.0\n"}},
      {"labeling", {kLabelingSource, kSyntheticData + kMlp + "[labeling]\nname = \"@NAME@\"\n\n[risk]\nname = \"nnpu\"\n"}},
      {"hook", {kHookSource, kSyntheticData + kMlp + kScarNnpu +
                                 "\n[sampler]\nname = \"joint\"\nskip_inactive = true\n\n[hook.@NAME@]\nstart_epoch = 2\ndrop = 0.1\n"}},
      {"model", {kModelSource, kSyntheticData + "[model]\nname = \"@NAME@\"\nwidth = 64\n\n" + kScarNnpu}},
      {"dataset", {kDatasetSource, "[dataset]\nname = \"@NAME@\"\n\n" + kMlp + kScarNnpu}},
      {"augmentation",
       {kAugmentationSource, kSyntheticData + kMlp + kScarNnpu +
                                 "\n[regularizer.fixmatch]\nweak_role = \"\"\nthreshold = 0.9\n\n"
                                 "[augmentation.strong]\nname = \"@NAME@\"\nstrength = 0.1\n"}},
  };
  return t;
}

std::map<std::string, KindTemplate>::const_iterator find_kind(const std::string& kind) {
  const auto it = templates().find(kind);
  if (it == templates().end()) {
    const std::string m = closest_match(kind, skeleton_kinds());
    std::string all;
    for (const auto& k : skeleton_kinds()) all += (all.empty() ? "" : ", ") + k;
    throw Error("new plugin: unknown --kind '" + kind + "'" + (m.empty() ? "" : " (did you mean '" + m + "'?)") +
                "; one of " + all);
  }
  return it;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size())
    text.replace(pos, from.size(), to);
  return text;
}

// my_focal_weighting -> MyFocalWeighting
std::string class_name(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

// "0.1.0" -> "0.1": what find_package(pulab X.Y) asks for (the package is SameMinorVersion).
std::string major_minor(const std::string& version) {
  const auto second_dot = version.find('.', version.find('.') + 1);
  return version.substr(0, second_dot);
}

void check_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 64 && std::islower(static_cast<unsigned char>(name[0])) &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                  });
  if (!ok) {
    throw Error("new plugin: '" + name +
                "' is not a valid plugin name: use lower-case letters, digits and '_', starting with a letter "
                "(it names the component, the plugin, the CMake target and the files)");
  }
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw Error(file.string() + ": cannot write");
}

// Refuses a name an already installed plugin uses: the loader would reject the new plugin.
void check_not_taken(const std::string& name, const std::vector<std::string>& plugin_dirs) {
  PluginHost host;
  try {
    host.load_all({plugin_dirs.begin(), plugin_dirs.end()});
  } catch (const PluginError& e) {
    fmt::print(stderr, "pulab new: warning: cannot check the name against the installed plugins: {}\n", e.what());
    return;
  }
  for (const auto& p : host.plugins()) {
    if (p.name == name) throw Error("new plugin: a plugin named '" + name + "' is already installed (" + p.file.string() + "); choose another name");
  }
  const auto& r = host.registries();
  auto check = [&](const auto& registry) {
    if (const auto* c = registry.find(name)) {
      using Entry = std::decay_t<decltype(*c)>;
      using Interface = typename decltype(Entry::factory)::result_type::element_type;
      throw Error(fmt::format("new plugin: '{}' is already the name of a {} (plugin '{}', {}); choose another name", name,
                              kind_name<Interface>(), c->plugin, c->origin));
    }
  };
  r.for_each(check);
}

}  // namespace

const std::vector<std::string>& skeleton_kinds() {
  static const std::vector<std::string> kinds{"risk",  "regularizer", "weighting",   "labeling",
                                              "hook",  "model",       "dataset",     "augmentation"};
  return kinds;
}

std::vector<fs::path> write_plugin_skeleton(const std::string& kind, const std::string& name, const fs::path& dir) {
  const auto it = find_kind(kind);
  check_name(name);
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    throw Error(dir.string() + ": already exists and is not an empty folder; choose another --out");
  }
  fs::create_directories(dir);

  auto fill = [&](std::string text) {
    text = replace_all(std::move(text), "@COMPONENT_TABLES@", it->second.tables);
    text = replace_all(std::move(text), "@NAME@", name);
    text = replace_all(std::move(text), "@CLASS@", class_name(name));
    text = replace_all(std::move(text), "@KIND@", kind);
    return replace_all(std::move(text), "@PULAB_VERSION@", major_minor(kHostVersion));
  };
  const std::vector<std::pair<fs::path, std::string>> files{
      {dir / (name + ".cpp"), fill(it->second.source)},
      {dir / "CMakeLists.txt", fill(kCMakeLists)},
      {dir / (name + ".toml"), fill(kExperiment)},
  };
  std::vector<fs::path> written;
  for (const auto& [file, text] : files) {
    write_text(file, text);
    written.push_back(file);
  }
  return written;
}

int cmd_new(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  std::string what, name, kind, out;
  std::vector<std::string> plugin_dirs;
  po::options_description desc;
  desc.add_options()("what", po::value(&what))("name", po::value(&name))("kind", po::value(&kind))(
      "out", po::value(&out))("plugin-dir", po::value(&plugin_dirs)->composing());
  po::positional_options_description pos;
  pos.add("what", 1).add("name", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  const std::string usage = "usage: pulab new plugin --kind risk|regularizer|weighting|labeling|hook|model|dataset|augmentation NAME [--out DIR]";
  if (what != "plugin") throw Error("new: " + (what.empty() ? std::string("nothing to make") : "cannot make a '" + what + "'") + "; " + usage);
  if (kind.empty()) throw Error("new plugin: give --kind; " + usage);
  if (name.empty()) throw Error("new plugin: give a NAME; " + usage);
  // Checked before touching the disk or loading anything.
  find_kind(kind);
  check_name(name);
  check_not_taken(name, plugin_dirs);

  const fs::path dir = out.empty() ? fs::path(name) : fs::path(out);
  const auto files = write_plugin_skeleton(kind, name, dir);
  fmt::print("wrote the {} plugin '{}':\n", kind, name);
  for (const auto& f : files) fmt::print("  {}\n", f.string());

  // The prefix to build against: this pulab's own, when it is an installed one.
  const fs::path exe = fs::path(boost::dll::program_location().string());
  const fs::path prefix = exe.parent_path().parent_path();
  const bool installed = fs::exists(prefix / "lib" / "cmake" / "pulab" / "pulabConfig.cmake");
  const std::string prefix_text = installed ? fs::weakly_canonical(prefix).string() : "<pulab install prefix>";
  const std::string d = dir.string();
  fmt::print("\nnext:\n  cmake -S {0} -B {0}/build -DCMAKE_PREFIX_PATH={1}\n  cmake --build {0}/build\n"
             "  pulab run {0}/{2}.toml --plugin-dir {0}/build\n",
             d, prefix_text, name);
  if (!installed) {
    fmt::print("(this pulab runs from a build tree: install it first, cmake --install <build> --prefix <prefix>)\n");
  }
  return 0;
}

}  // namespace pulab
