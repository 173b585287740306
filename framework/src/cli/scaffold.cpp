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
  torch::Tensor positive_weights(const torch::Tensor& g_p, const pulab::Progress& progress) override {
    if (strength_ == 0) return {};
    // detach(): a weight, not a path for gradients.
    return 1.0 + strength_ * progress.fraction() * torch::sigmoid(-g_p.detach());
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

// The sample experiment: synthetic data (no download), with @COMPONENT_TABLES@ per kind.
constexpr const char* kExperiment = R"tmpl(# Tries the @KIND@ '@NAME@' on pulab's built-in synthetic data (no download):
#   pulab run @NAME@.toml --plugin-dir build
# Results go to results/@NAME@/<run>/result.json. Every key: docs/experiment-format.md.
name = "@NAME@"

[dataset]
name = "synthetic"
dim = 20
n_train = 6000
n_test = 2000
separation = 8.0

[split]
n_labeled = 500
n_validation = 300

[model]
name = "mlp"
hidden = [64, 64]

@COMPONENT_TABLES@
[train]
epochs = 10
batch_size = 250
lr = 1e-3
seed = 0
)tmpl";

struct KindTemplate {
  const char* source;
  const char* tables;  // the experiment's [labeling], [risk], ... tables
};

const std::map<std::string, KindTemplate>& templates() {
  static const std::map<std::string, KindTemplate> t{
      {"risk", {kRiskSource, "[labeling]\nname = \"scar\"\n\n[risk]\nname = \"@NAME@\"\nloss = \"sigmoid\"\n"}},
      {"regularizer",
       {kRegularizerSource,
        "[labeling]\nname = \"scar\"\n\n[risk]\nname = \"nnpu\"\n\n[regularizer.@NAME@]\nweight = 0.01\n"}},
      {"weighting",
       {kWeightingSource, "[labeling]\nname = \"scar\"\n\n[risk]\nname = \"nnpu\"\n\n[weighting]\nname = \"@NAME@\"\nstrength = 1.0\n"}},
      {"labeling", {kLabelingSource, "[labeling]\nname = \"@NAME@\"\n\n[risk]\nname = \"nnpu\"\n"}},
  };
  return t;
}

std::map<std::string, KindTemplate>::const_iterator find_kind(const std::string& kind) {
  const auto it = templates().find(kind);
  if (it == templates().end()) {
    const std::string m = closest_match(kind, {"risk", "regularizer", "weighting", "labeling"});
    throw Error("new plugin: unknown --kind '" + kind + "'" + (m.empty() ? "" : " (did you mean '" + m + "'?)") +
                "; one of risk, regularizer, weighting, labeling");
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
  check(r.risks);
  check(r.regularizers);
  check(r.weightings);
  check(r.labelings);
  check(r.models);
  check(r.datasets);
}

}  // namespace

const std::vector<std::string>& skeleton_kinds() {
  static const std::vector<std::string> kinds{"risk", "regularizer", "weighting", "labeling"};
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
  const std::string usage = "usage: pulab new plugin --kind risk|regularizer|weighting|labeling NAME [--out DIR]";
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
