#include "engine/keys_added_later.hpp"

#include <string>

namespace pulab {
using nlohmann::json;

namespace {

// `key` null: the whole table was added later, and its legacy value is the table.
struct KeyAddedLater {
  const char* table;
  const char* key;
  const char* legacy_value;  // JSON
};
const KeyAddedLater kKeysAddedLater[] = {{"train", "precision", R"("float32")"},
                                         {"train", "lr_step_epochs", "20"},
                                         {"train", "lr_step_factor", "0.5"},
                                         {"train", "early_stopping_patience", "0"},
                                         {"train", "early_stopping_monitor", R"("val_accuracy")"},
                                         {"sampler", nullptr, R"({"name": "joint", "skip_inactive": false})"},
                                         {"regularizer.vpu_mixup", "detach_target", "true"},
                                         {"regularizer.vpu_mixup", "batch_lambda", "false"},
                                         // pulab 0.3: a new Adam per stage; 0.2's runs kept one
                                         {"risk", "fresh_optimizer", "false"},
                                         {"hook.predictive_trend", "fresh_optimizer", "false"},
                                         // pulab 0.4: the mixup stage's own Adam; 0.3's runs kept the run's
                                         {"regularizer.dist_pu", "fresh_optimizer", "false"},
                                         {"regularizer.dist_pu", "mixup_stage_lr_scale", "1.0"},
                                         {"regularizer.dist_pu", "mixup_stage_weight_decay_scale", "1.0"},
                                         {"regularizer.dist_pu", "mixup_stage_final_lr_factor", "1.0"},
                                         {"regularizer.pulda_mixup", "fresh_optimizer", "false"},
                                         {"regularizer.pulda_mixup", "stage_lr_scale", "1.0"},
                                         {"regularizer.pulda_mixup", "stage_weight_decay_scale", "1.0"},
                                         {"regularizer.pulda_mixup", "stage_final_lr_factor", "1.0"},
                                         // nnPU's and nnPUSB's choice of the P averages a weighting
                                         // multiplies; runs before it weighted both
                                         {"risk", "positive_weights_on", R"("both")"}};

// The object that holds `later.table`'s last part ("regularizer.vpu_mixup": the "regularizer"
// table) and that last part's name; null when the config has no such object.
json* parent_of_table(json& config, const KeyAddedLater& later, std::string& last) {
  json* parent = &config;
  std::string path = later.table;
  last = path;
  for (std::size_t dot; (dot = path.find('.')) != std::string::npos; path = path.substr(dot + 1)) {
    auto inner = parent->find(path.substr(0, dot));
    if (inner == parent->end() || !inner->is_object()) return nullptr;
    parent = &*inner;
    last = path.substr(dot + 1);
  }
  return parent;
}

}  // namespace

json without_keys_at_legacy_values(json config) {
  for (const auto& later : kKeysAddedLater) {
    std::string last;
    json* parent = parent_of_table(config, later, last);
    if (!parent) continue;
    auto table = parent->find(last);
    if (table == parent->end()) continue;
    if (!later.key) {
      if (*table == json::parse(later.legacy_value)) parent->erase(table);
      continue;
    }
    if (!table->is_object()) continue;
    auto value = table->find(later.key);
    if (value != table->end() && *value == json::parse(later.legacy_value)) table->erase(value);
  }
  return config;
}

json with_keys_added_later(json config) {
  if (!config.is_object()) return config;
  for (const auto& later : kKeysAddedLater) {
    std::string last;
    json* parent = parent_of_table(config, later, last);
    if (!parent) continue;
    auto table = parent->find(last);
    if (!later.key) {
      if (table == parent->end()) (*parent)[last] = json::parse(later.legacy_value);
      continue;
    }
    if (table == parent->end() || !table->is_object()) continue;
    if (!table->contains(later.key)) (*table)[later.key] = json::parse(later.legacy_value);
  }
  return config;
}

}  // namespace pulab
