#include "report/criteria.hpp"

#include <fmt/format.h>

#include "pulab/error.hpp"

namespace pulab::report {

SelectBy parse_select_by(const std::string& text) {
  if (text == "val" || text == "best_val" || text == "best-val") return SelectBy::BestVal;
  if (text == "last") return SelectBy::Last;
  if (text == "pu_auc" || text == "pu-auc") return SelectBy::PuAuc;
  if (text == "pa") return SelectBy::ProxyAccuracy;
  if (text == "lee_liu" || text == "lee-liu") return SelectBy::LeeLiu;
  if (text == "pu_risk" || text == "pu-risk") return SelectBy::PuRisk;
  throw Error("--select-by must be 'val' (validation accuracy of the best-validation epoch), 'last' (validation "
              "accuracy of the last epoch), or a PU-only criterion: 'pu_auc', 'pa' (proxy accuracy), 'lee_liu' "
              "(r^2/P(y=1)) or 'pu_risk' (the run's risk on validation); not '" + text + "'");
}

const char* to_string(SelectBy by) {
  switch (by) {
    case SelectBy::BestVal: return "best-validation epoch";
    case SelectBy::Last: return "last epoch";
    case SelectBy::PuAuc: return "PU-AUC";
    case SelectBy::ProxyAccuracy: return "proxy accuracy (PA)";
    case SelectBy::LeeLiu: return "Lee & Liu's r²/P(ŷ=1)";
    case SelectBy::PuRisk: return "PU risk on validation";
  }
  return "?";
}

const char* option_name(SelectBy by) {
  switch (by) {
    case SelectBy::BestVal: return "val";
    case SelectBy::Last: return "last";
    case SelectBy::PuAuc: return "pu_auc";
    case SelectBy::ProxyAccuracy: return "pa";
    case SelectBy::LeeLiu: return "lee_liu";
    case SelectBy::PuRisk: return "pu_risk";
  }
  return "?";
}

const char* short_label(SelectBy by) {
  switch (by) {
    case SelectBy::BestVal: return "best-val";
    case SelectBy::Last: return "last";
    case SelectBy::PuAuc: return "PU-AUC";
    case SelectBy::ProxyAccuracy: return "PA";
    case SelectBy::LeeLiu: return "Lee & Liu";
    case SelectBy::PuRisk: return "PU risk";
  }
  return "?";
}

const std::vector<SelectBy>& all_criteria() {
  static const std::vector<SelectBy> all{SelectBy::BestVal,       SelectBy::Last,   SelectBy::PuAuc,
                                         SelectBy::ProxyAccuracy, SelectBy::LeeLiu, SelectBy::PuRisk};
  return all;
}

bool is_pu_criterion(SelectBy by) { return by != SelectBy::BestVal && by != SelectBy::Last; }

bool lower_is_better(SelectBy by) { return by == SelectBy::PuRisk; }

bool better(double a, double b, SelectBy by) { return lower_is_better(by) ? a < b : a > b; }

std::optional<double> criterion_value(const EpochScores& epoch, SelectBy by) {
  switch (by) {
    case SelectBy::PuAuc: return epoch.val_pu.auc;
    case SelectBy::ProxyAccuracy: return epoch.val_pu.proxy_accuracy;
    case SelectBy::LeeLiu: return epoch.val_pu.lee_liu;
    case SelectBy::PuRisk: return epoch.val_pu.risk;
    default: return std::nullopt;
  }
}

std::optional<std::size_t> picked_epoch(const RunResult& run, SelectBy by) {
  if (!is_pu_criterion(by)) {
    const std::int64_t wanted = by == SelectBy::BestVal ? run.best_val.epoch : run.last.epoch;
    for (std::size_t i = 0; i < run.epochs.size(); ++i)
      if (run.epochs[i].epoch == wanted) return i;
    return std::nullopt;
  }
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < run.epochs.size(); ++i) {
    const auto v = criterion_value(run.epochs[i], by);
    if (v && (!best || better(*v, *criterion_value(run.epochs[*best], by), by))) best = i;
  }
  return best;
}

Reading picked_reading(const RunResult& run, SelectBy by) {
  if (by == SelectBy::BestVal) return run.best_val;
  if (by == SelectBy::Last) return run.last;
  const auto i = picked_epoch(run, by);
  if (!i) return {};
  const EpochScores& e = run.epochs[*i];
  return {e.epoch, e.val, e.test};
}

bool has_criterion(const RunResult& run, SelectBy by) {
  return !is_pu_criterion(by) || picked_epoch(run, by).has_value();
}

std::vector<const RunResult*> runs_selectable_by(const std::vector<const RunResult*>& runs, SelectBy by,
                                                 std::vector<std::string>& warnings) {
  std::vector<const RunResult*> kept;
  std::vector<std::string> left_out;
  for (const RunResult* run : runs) {
    if (has_criterion(*run, by)) {
      kept.push_back(run);
    } else if (by == SelectBy::PuRisk && run->has_val_pu) {
      left_out.push_back(run->file.string());
    } else {
      throw Error(fmt::format(
          "--select-by {}: {} has no {} at any epoch: it was written before pulab recorded the PU-only criteria "
          "(PA, Lee & Liu, PU risk), or its run had no validation set{}; rerun it, or select by val, last{}",
          option_name(by), run->file.string(), to_string(by),
          by == SelectBy::ProxyAccuracy ? " or no class prior (PA needs one)" : "",
          by == SelectBy::PuAuc ? "" : " or pu_auc"));
    }
  }
  if (!left_out.empty()) {
    std::string files;
    for (std::size_t i = 0; i < left_out.size() && i < 3; ++i) files += (i ? ", " : "") + left_out[i];
    if (left_out.size() > 3) files += fmt::format(" and {} more", left_out.size() - 3);
    warnings.push_back(fmt::format(
        "--select-by pu_risk: {} run{} left out of the tables: the risk cannot be evaluated on validation (it reads "
        "per-sample state or U's labels), so no PU risk was recorded: {}",
        left_out.size(), left_out.size() == 1 ? "" : "s", files));
  }
  return kept;
}

std::string value_text(SelectBy by, const Summary& s, int digits) {
  return is_pu_criterion(by) ? format_summary(s, digits + 2, 1.0) : format_summary(s, digits);
}

std::string score_text(SelectBy by, const Summary& s, int digits) {
  return (is_pu_criterion(by) ? std::string(short_label(by)) : std::string("validation accuracy")) + " " +
         value_text(by, s, digits);
}

}  // namespace pulab::report
