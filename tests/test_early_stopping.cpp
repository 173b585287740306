// Early stopping (train.early_stopping_patience / _monitor): the rule on hand-made epochs, and a
// real run that stops where the rule says.
#include <gtest/gtest.h>

#include "engine/early_stopping.hpp"
#include "engine/results.hpp"
#include "engine/trainer.hpp"
#include "test_support.hpp"

namespace {

std::vector<pulab::EpochRecord> epochs_with_accuracy(const std::vector<double>& accuracy) {
  std::vector<pulab::EpochRecord> out;
  for (double a : accuracy) {
    pulab::EpochRecord e;
    e.epoch = static_cast<std::int64_t>(out.size()) + 1;
    e.val.accuracy = a;
    e.val_pu.risk = 1 - a;
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  using pulab::should_stop_early;
  // Best 0.6 at epoch 2; a tie (epoch 3) is no improvement.
  EXPECT_FALSE(should_stop_early(epochs_with_accuracy({0.5, 0.6, 0.6}), 2, "val_accuracy"));
  EXPECT_TRUE(should_stop_early(epochs_with_accuracy({0.5, 0.6, 0.6, 0.55}), 2, "val_accuracy"));
  EXPECT_FALSE(should_stop_early(epochs_with_accuracy({0.5, 0.6, 0.6, 0.65}), 2, "val_accuracy"));
  EXPECT_FALSE(should_stop_early(epochs_with_accuracy({0.5, 0.4, 0.3}), 0, "val_accuracy"));  // off
  // pu_risk: lower is better (risk = 1 - accuracy here, so the same epochs).
  EXPECT_TRUE(should_stop_early(epochs_with_accuracy({0.5, 0.6, 0.6, 0.55}), 2, "pu_risk"));
  EXPECT_FALSE(should_stop_early(epochs_with_accuracy({0.5, 0.6, 0.6, 0.65}), 2, "pu_risk"));
  // A monitor the run does not have is an error naming the key.
  auto no_pa = epochs_with_accuracy({0.5, 0.6});
  const std::string m = pulab::test::error_message([&] { should_stop_early(no_pa, 1, "pa"); });
  EXPECT_NE(m.find("train.early_stopping_monitor = \"pa\""), std::string::npos) << m;
}

TEST(EarlyStopping, ARunStopsWhereTheRuleSaysAndRecordsIt) {
  const auto result = pulab::test::train_text(
      pulab::test::quickstart_text(),
      {"train.epochs=40", "train.early_stopping_patience=2", "train.early_stopping_monitor=\"pu_auc\""});
  const auto& epochs = result.at("epochs");
  ASSERT_GE(epochs.size(), 3u);
  // Whether it stops depends on the data; where it stops does not: 2 epochs after the best one, and
  // no earlier epoch satisfied the rule.
  // The epochs since the best one (first of ties) after each epoch k.
  auto since_best = [&](std::size_t k) {
    std::size_t best = 0;
    for (std::size_t i = 1; i <= k; ++i)
      if (epochs[i].at("val_pu_auc").get<double>() > epochs[best].at("val_pu_auc").get<double>()) best = i;
    return k - best;
  };
  for (std::size_t k = 0; k + 1 < epochs.size(); ++k) EXPECT_LT(since_best(k), 2u) << "should have stopped after " << k + 1;
  if (epochs.size() < 40) {
    EXPECT_EQ(result.at("stopped_early_after_epoch").get<std::size_t>(), epochs.size());
    EXPECT_EQ(since_best(epochs.size() - 1), 2u);
  } else {
    EXPECT_FALSE(result.contains("stopped_early_after_epoch"));
    EXPECT_LT(since_best(epochs.size() - 1), 2u);
  }
  EXPECT_EQ(result.at("status"), "finished");
}
