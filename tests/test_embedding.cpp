// EmbeddingModel (pulab/embedding.hpp): the models that expose their last hidden layer compute
// their score from it exactly (forward(x) = the output layer applied to embed(x), bit for bit),
// report its width, and a model without one is named when a method asks for it.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "pulab/embedding.hpp"
#include "pulab/model.hpp"
#include "test_support.hpp"

namespace {

void expect_score_is_linear_in_embedding(const std::string& name, const std::map<std::string, pulab::ParamValue>& set,
                                         const std::vector<std::int64_t>& input_shape, std::int64_t dim) {
  torch::manual_seed(0);
  auto model = pulab::test::make_component<pulab::ScoreModel>(name, set, input_shape);
  model->eval();
  std::int64_t flat = 1;
  for (auto d : input_shape) flat *= d;
  const auto x = torch::rand({5, flat});
  auto& embedding = pulab::embedding_of(*model, "test");
  const auto e = embedding.embed(x);
  ASSERT_EQ(e.dim(), 2) << name;
  EXPECT_EQ(e.size(0), 5) << name;
  EXPECT_EQ(e.size(1), dim) << name;
  EXPECT_EQ(embedding.embedding_dim(), dim) << name;
  torch::Tensor weight, bias;
  for (const auto& p : model->named_parameters()) {
    const auto& key = p.key();
    if (key.size() >= 10 && key.compare(key.size() - 10, 10, "out.weight") == 0) weight = p.value();
    if (key.size() >= 8 && key.compare(key.size() - 8, 8, "out.bias") == 0) bias = p.value();
  }
  ASSERT_TRUE(weight.defined() && bias.defined()) << name;
  EXPECT_TRUE(torch::equal(model->forward(x), torch::linear(e, weight, bias).squeeze(1))) << name;
}

TEST(Embedding, ScoresAreTheOutputLayerOfTheEmbeddingBitForBit) {
  expect_score_is_linear_in_embedding("mlp", {{"hidden", std::vector<std::int64_t>{16, 8}}}, {20}, 8);
  expect_score_is_linear_in_embedding("tabular_mlp", {}, {57}, 64);
  expect_score_is_linear_in_embedding("lenet", {}, {784}, 50);
  expect_score_is_linear_in_embedding("cnn13", {{"channels1", std::int64_t(4)}, {"channels2", std::int64_t(4)},
                                                {"hidden", std::int64_t(12)}},
                                      {3, 32, 32}, 12);
}

TEST(Embedding, AModelWithoutOneIsNamed) {
  auto linear = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {20});
  const auto message = pulab::test::error_message([&] { pulab::embedding_of(*linear, "regularizer lagam_contrast"); });
  EXPECT_NE(message.find("regularizer lagam_contrast needs a model with an embedding"), std::string::npos) << message;
  EXPECT_NE(message.find("the run's model (LinearModel) has none"), std::string::npos) << message;
}

}  // namespace
