#include "data/pu_split.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include <torch/torch.h>

#include "pulab/error.hpp"

namespace pulab {

torch::Tensor binarize(const torch::Tensor& y, const std::vector<std::int64_t>& positive_classes) {
  auto positive = torch::zeros(y.sizes(), torch::kBool);
  for (auto c : positive_classes) positive |= (y == c);
  return positive;
}

namespace {

std::string list(const std::vector<std::int64_t>& values) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out;
}

// The positive classes must exist in the data and leave at least one class negative; which
// classes a data set has is known only once it is loaded, so this is checked here, not at plan time.
void check_classes(const LabeledData& data, const std::vector<std::int64_t>& classes, bool from_config) {
  const auto present_tensor = std::get<0>(torch::_unique(data.train.y.to(torch::kLong), /*sorted=*/true));
  const std::vector<std::int64_t> present(present_tensor.data_ptr<std::int64_t>(),
                                          present_tensor.data_ptr<std::int64_t>() + present_tensor.numel());
  const std::string key = from_config ? "split.positive_classes = [" + list(classes) + "]"
                                      : "the data set's default positive classes [" + list(classes) + "]";
  for (auto c : classes) {
    if (std::find(present.begin(), present.end(), c) == present.end()) {
      throw Error(key + ": class " + std::to_string(c) + " does not occur in the training set (its classes: " +
                  list(present) + ")");
    }
  }
  const bool any_negative = std::any_of(present.begin(), present.end(), [&](std::int64_t c) {
    return std::find(classes.begin(), classes.end(), c) == classes.end();
  });
  if (!any_negative) {
    throw Error(key + " makes every class of the training set positive (its classes: " + list(present) +
                "): no negatives are left; leave at least one class out of split.positive_classes");
  }
}

// floor(c * n_positive), as Python's int(n_positive * c) in PU-Bench (the same double product).
std::int64_t labeled_count(double c, std::int64_t n_positive) {
  return static_cast<std::int64_t>(std::floor(double(n_positive) * c));
}

std::string format_real(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// The mechanism's n picks among the positives of (x, positive), checked: n distinct positives.
torch::Tensor select_checked(LabelingMechanism& labeling, const torch::Tensor& x, const torch::Tensor& positive,
                             std::int64_t n, std::uint64_t seed, const std::string& where) {
  if (n == 0) return torch::empty({0}, torch::kLong);  // a small validation set at a low c: nothing to label
  auto picked = labeling.select({x, positive, n, seed}).to(torch::kLong);
  if (picked.dim() != 1 || picked.size(0) != n) {
    throw Error("the labeling mechanism returned " + std::to_string(picked.numel()) + " indices, expected " +
                std::to_string(n) + where);
  }
  auto taken = torch::zeros({x.size(0)}, torch::kBool);
  taken.index_put_({picked}, true);
  if (taken.sum().item<std::int64_t>() != n || !positive.index_select(0, picked).all().item<bool>()) {
    throw Error("the labeling mechanism returned repeated indices or negatives" + where);
  }
  return picked;
}

}  // namespace

PUData make_pu_split(const LabeledData& data, const SplitConfig& split, LabelingMechanism& labeling,
                     std::uint64_t seed) {
  const auto classes = split.positive_classes.empty() ? data.default_positive_classes : split.positive_classes;
  if (classes.empty()) throw Error("split.positive_classes is empty and the data set names no default");
  const auto n = data.train.x.size(0);
  if (split.n_validation >= n) {
    throw Error("split.n_validation = " + std::to_string(split.n_validation) + " leaves no training data (the set has " +
                std::to_string(n) + " instances)");
  }
  check_classes(data, classes, !split.positive_classes.empty());
  const auto positive = binarize(data.train.y, classes);
  auto gen = at::detail::createCPUGenerator(seed);
  const auto perm = torch::randperm(n, gen, torch::kLong);
  const auto val_idx = perm.slice(0, 0, split.n_validation);
  const auto pool_idx = perm.slice(0, split.n_validation);

  const auto pool_x = data.train.x.index_select(0, pool_idx);
  const auto pool_pos = positive.index_select(0, pool_idx);
  const auto n_pool_pos = pool_pos.sum().item<std::int64_t>();
  // split.label_frequency = c: n_p = floor(c * positives of the pool), PU-Bench's int(n_pos * c)
  // on the training part left after the validation rows are taken.
  const bool by_frequency = split.label_frequency > 0;
  const std::int64_t n_labeled = by_frequency ? labeled_count(split.label_frequency, n_pool_pos) : split.n_labeled;
  const std::string labeled_key = by_frequency ? "split.label_frequency = " + format_real(split.label_frequency) +
                                                     " (n_p = " + std::to_string(n_labeled) + ")"
                                               : "split.n_labeled = " + std::to_string(n_labeled);
  if (by_frequency && n_labeled < 1) {
    throw Error(labeled_key + " labels no positive: the training pool holds " + std::to_string(n_pool_pos) +
                " positives and floor(c * " + std::to_string(n_pool_pos) + ") = 0; raise split.label_frequency");
  }
  if (n_labeled > n_pool_pos) {
    throw Error(labeled_key + " but the training pool holds only " + std::to_string(n_pool_pos) + " positives");
  }
  const auto labeled = select_checked(labeling, pool_x, pool_pos, n_labeled, seed + 1, "");
  auto is_labeled = torch::zeros({pool_idx.size(0)}, torch::kBool);
  is_labeled.index_put_({labeled}, true);

  PUData out;
  out.x_p = pool_x.index_select(0, labeled).contiguous();
  const auto u_mask = split.scenario == "case_control" ? torch::ones_like(is_labeled) : ~is_labeled;
  const auto u_idx = u_mask.nonzero().squeeze(1);
  out.x_u = pool_x.index_select(0, u_idx).contiguous();
  out.u_positive = pool_pos.index_select(0, u_idx).contiguous();
  out.x_val = data.train.x.index_select(0, val_idx).contiguous();
  out.y_val = positive.index_select(0, val_idx).contiguous();
  // PU-only validation view, so that a criterion that sees only (labeled, unlabeled) can select
  // models. n_labeled: each validation positive is labeled with the training set's labeling rate.
  // label_frequency: floor(c * validation positives) of them, picked by the same labeling
  // mechanism (PU-Bench labels its validation rows as it labels the training rows).
  if (by_frequency) {
    const auto n_val_pos = out.y_val.sum().item<std::int64_t>();
    const auto val_picked = select_checked(labeling, out.x_val, out.y_val, labeled_count(split.label_frequency, n_val_pos),
                                           seed + 2, " (validation set)");
    out.val_labeled = torch::zeros({out.y_val.size(0)}, torch::kBool);
    out.val_labeled.index_put_({val_picked}, true);
  } else {
    const double rate = double(n_labeled) / double(n_pool_pos);
    out.val_labeled = out.y_val & (torch::rand({out.y_val.size(0)}, gen) < rate);
  }
  out.x_test = data.test.x.contiguous();
  out.y_test = binarize(data.test.y, classes);

  auto& s = out.stats;
  s.positive_classes = classes;
  s.n_labeled = out.x_p.size(0);
  s.n_unlabeled = out.x_u.size(0);
  s.n_unlabeled_positive = out.u_positive.sum().item<std::int64_t>();
  s.n_validation = out.x_val.size(0);
  s.n_validation_positive = out.y_val.sum().item<std::int64_t>();
  s.n_validation_labeled = out.val_labeled.sum().item<std::int64_t>();
  s.n_test = out.x_test.size(0);
  s.n_test_positive = out.y_test.sum().item<std::int64_t>();
  s.true_prior = s.n_unlabeled ? double(s.n_unlabeled_positive) / double(s.n_unlabeled) : 0.0;
  s.prior = split.prior >= 0 ? split.prior : s.true_prior;
  // Without negatives (or, when the methods get the true prior, without positives) in U every
  // PU risk degenerates: refuse rather than train on a prior of 0 or 1.
  if (s.n_unlabeled == s.n_unlabeled_positive) {
    throw Error("the unlabeled set holds no negatives (" + std::to_string(s.n_unlabeled) +
                " instances, all positive): check split.positive_classes and split.n_validation");
  }
  if (s.n_unlabeled_positive == 0 && split.prior < 0) {
    throw Error(labeled_key +
                " labels every positive of the training pool: the unlabeled set holds no positives, so its true "
                "prior is 0; lower " + (by_frequency ? "split.label_frequency" : "split.n_labeled") +
                ", use split.scenario = \"case_control\", or give split.prior");
  }
  return out;
}

}  // namespace pulab
