#pragma once
// `pulab report`: the model-selection criteria. Two read the validation set's true labels (the
// oracle): the validation accuracy of the best-validation epoch and of the last epoch. Four are
// PU-only (docs/reporting.md): PU-AUC, proxy accuracy (PA), Lee & Liu's r^2/P(y^=1) and the run's
// own PU risk on validation. Each picks an epoch of a run (its best value, first of ties) and
// ranks the hyper-parameter settings of a cell by its value at that epoch.
#include <optional>
#include <string>
#include <vector>

#include "report/results_index.hpp"
#include "report/stats.hpp"

namespace pulab::report {

enum class SelectBy { BestVal, Last, PuAuc, ProxyAccuracy, LeeLiu, PuRisk };

// "val" | "last" | "pu_auc" | "pa" | "lee_liu" | "pu_risk"; throws pulab::Error naming them all.
SelectBy parse_select_by(const std::string& text);
// What ranks the settings, for the report's text: "best-validation epoch", "proxy accuracy (PA)".
const char* to_string(SelectBy by);
// The option's value: "val", "pa", ...
const char* option_name(SelectBy by);
// A short label for table headers: "best-val", "PA", "Lee & Liu", ...
const char* short_label(SelectBy by);
// Every criterion, the two oracle ones first.
const std::vector<SelectBy>& all_criteria();

bool is_pu_criterion(SelectBy by);     // PuAuc, ProxyAccuracy, LeeLiu, PuRisk
bool lower_is_better(SelectBy by);     // PuRisk
// a strictly better than b under `by`.
bool better(double a, double b, SelectBy by);

// A PU-only criterion's value at an epoch (absent when not recorded); absent for val and last.
std::optional<double> criterion_value(const EpochScores& epoch, SelectBy by);

// Index into run.epochs of the epoch a PU-only criterion picks (best value over the epochs that
// have it, first of ties); absent when no epoch has it. For val and last: the recorded epoch.
std::optional<std::size_t> picked_epoch(const RunResult& run, SelectBy by);

// The reading at that epoch: best_val for val, last for last, the picked epoch for a PU criterion
// (an empty reading, epoch 0, when there is none).
Reading picked_reading(const RunResult& run, SelectBy by);

// True when the run records the criterion at some epoch (always for val and last).
bool has_criterion(const RunResult& run, SelectBy by);

// The runs a table selected by `by` can use. A run that lacks a PU criterion because its file was
// written before it was recorded (PA, Lee & Liu, PU risk in older files) or because the run had no
// validation set or no prior (PA): throws pulab::Error naming the file. A run whose file records
// the PU risk as null at every epoch (its risk reads per-sample state or U's labels) is left out,
// with a warning naming it.
std::vector<const RunResult*> runs_selectable_by(const std::vector<const RunResult*>& runs, SelectBy by,
                                                 std::vector<std::string>& warnings);

// A criterion's summary over seeds: "97.70 ± 0.30 (3)" for the validation accuracies (percent,
// `digits` decimals), "0.9512 ± 0.0030 (3)" for a PU criterion (its raw value, digits + 2 decimals).
std::string value_text(SelectBy by, const Summary& s, int digits);
// The same with its name: "validation accuracy 97.70 ± 0.30 (3)", "PA 0.9512 ± 0.0030 (3)".
std::string score_text(SelectBy by, const Summary& s, int digits);

}  // namespace pulab::report
