// Regularizer `fixmatch` (plugins/fixmatch): FixMatch's unlabeled term on hand-computed scores
// (the weak view gives the label and the mask, the strong view the loss, the mean is over all of
// U), its schema errors, and a short synthetic run of nnPU + FixMatch with tabular views that learns.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include "pulab/augmentation.hpp"
#include "pulab/error.hpp"
#include "pulab/model.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/training_hook.hpp"
#include "context_double.hpp"
#include "test_support.hpp"

namespace {

double softplus(double z) { return std::log1p(std::exp(z)); }

// Views with known results: the identity, and x -> -x (which flips every score of a linear g).
struct Identity final : pulab::Augmentation {
  torch::Tensor apply(const torch::Tensor& x) override { return x; }
};
struct Negate final : pulab::Augmentation {
  torch::Tensor apply(const torch::Tensor& x) override { return -x; }
};

// Only what fixmatch asks of a context: its augmentations by role.
class ViewsContext final : public pulab::test::ContextDouble {
 public:
  ViewsContext() : ContextDouble(1, 4, 0.5, 1) {}
  std::map<std::string, pulab::Augmentation*> views;

  pulab::Augmentation& augmentation(const std::string& role) override {
    const auto it = views.find(role);
    if (it == views.end()) throw pulab::Error("no [augmentation." + role + "]");
    return *it->second;
  }
};

// g(x) = x on one feature.
std::shared_ptr<pulab::ScoreModel> identity_score() {
  auto model = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {1});
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) p.value().fill_(p.key() == "fc.weight" ? 1.0 : 0.0);
  return model;
}

// fixmatch's penalty on U = (3, -3, 0.5, -4) scored by g(x) = x, with the given views (weak null:
// weak_role must be ""); the model comes back too, for its gradient.
struct Penalty {
  torch::Tensor value;
  std::shared_ptr<pulab::ScoreModel> model;
};
Penalty penalty_on_four(const std::map<std::string, pulab::ParamValue>& set, pulab::Augmentation* weak,
                        pulab::Augmentation* strong) {
  auto reg = pulab::test::make_component<pulab::Regularizer>("fixmatch", set);
  ViewsContext context;
  if (weak) context.views["weak"] = weak;
  context.views["strong"] = strong;
  std::dynamic_pointer_cast<pulab::TrainingHook>(reg)->on_run_start(context);
  auto model = identity_score();
  pulab::Batch batch;
  batch.x_p = torch::ones({1, 1});
  batch.x_u = torch::tensor({3.0f, -3.0f, 0.5f, -4.0f}).view({4, 1});
  pulab::Scores scores{model->forward(batch.x_p), model->forward(batch.x_u)};
  return {reg->penalty(*model, batch, scores, {}), model};
}

double penalty_of(const std::map<std::string, pulab::ParamValue>& set, pulab::Augmentation* weak,
                  pulab::Augmentation* strong) {
  return penalty_on_four(set, weak, strong).value.item<double>();
}

TEST(MethodFixMatch, PenaltyOnHandComputedScores) {
  Identity identity;
  Negate negate;
  // Weak view = the sample (weak_role ""), strong = identity, tau 0.95, weight 2: q = sigmoid(3, -3,
  // 0.5, -4); 0.5 is not confident (0.62 < 0.95); labels 1, 0, -, 0; losses softplus(-3) twice and
  // softplus(-4); the mean is over the 4 samples.
  const double expected = 2 * (2 * softplus(-3) + softplus(-4)) / 4;
  EXPECT_NEAR(penalty_of({{"weight", 2.0}, {"weak_role", std::string("")}}, nullptr, &identity), expected, 1e-6);
  EXPECT_NEAR(expected, 0.057662, 1e-6);
  // Weak view -x: labels from g(-x) = (-3, 3, -0.5, 4) -> 0, 1, -, 1, the strong view keeps g = x:
  // losses softplus(3), softplus(3), softplus(4).
  EXPECT_NEAR(penalty_of({}, &negate, &identity), (2 * softplus(3) + softplus(4)) / 4, 1e-6);
  // tau 0.999: none is that confident (the most confident, -4, has 1 - q = 0.982).
  EXPECT_EQ(penalty_of({{"threshold", 0.999}}, &identity, &identity), 0.0);
  // tau 0.98: only -4 is kept.
  EXPECT_NEAR(penalty_of({{"threshold", 0.98}}, &identity, &identity), softplus(-4) / 4, 1e-6);
}

TEST(MethodFixMatch, OnlyTheStrongViewCarriesAGradient) {
  Identity identity;
  Negate negate;
  const auto p = penalty_on_four({}, &negate, &identity);
  p.value.backward();
  // d/dw of mean_i m_i l(w x_i, y_i) with the labels fixed: l' = -sigmoid(-g) for y = 1, sigmoid(g) for y = 0.
  auto sig = [](double z) { return 1 / (1 + std::exp(-z)); };
  const double dw = (sig(3) * 3 + (-sig(3)) * (-3) + (-sig(4)) * (-4)) / 4;
  EXPECT_NEAR(p.model->named_parameters()["fc.weight"].grad().item<double>(), dw, 1e-5);
}

TEST(MethodFixMatch, SchemaErrorsNameTheKey) {
  const auto tau = pulab::test::error_message([] {
    pulab::test::resolve_text(pulab::test::synthetic_methods_base("fixmatch", 1, true) +
                              "[regularizer.fixmatch]\nthreshold = 0.3\n");
  });
  EXPECT_NE(tau.find("threshold"), std::string::npos) << tau;
  const auto strong = pulab::test::error_message(
      [] { pulab::test::make_component<pulab::Regularizer>("fixmatch", {{"strong_role", std::string("")}}); });
  EXPECT_NE(strong.find("strong_role"), std::string::npos) << strong;
}

TEST(MethodFixMatch, NnpuWithFixMatchLearnsSyntheticData) {
  const auto result = pulab::test::train_text(pulab::test::synthetic_methods_base("fixmatch", 5, false) + R"(
[risk]
name = "nnpu"

[regularizer.fixmatch]
weak_role = ""
threshold = 0.9

[augmentation.strong]
name = "tabular"
mask_probability = 0.2
noise_std = 0.1
)");
  EXPECT_GE(result["last"]["test"]["accuracy"].get<double>(), 0.9);
  EXPECT_EQ(result["config"]["regularizer"]["fixmatch"]["threshold"], 0.9);
  EXPECT_TRUE(result["versions"]["plugins_used"].contains("augmentations"));
}

}  // namespace
