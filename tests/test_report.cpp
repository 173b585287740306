// `pulab report`: tables (mean ± std over seeds), hyper-parameter selection by validation
// accuracy, paper numbers, failed runs, and gnuplot images, on fake result files.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/keys_added_later.hpp"
#include "report/paper.hpp"
#include "report/plots.hpp"
#include "report/report.hpp"
#include "report/results_index.hpp"
#include "report/select.hpp"
#include "report/stats.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace pulab::report;

std::string text_of(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

json scores(double accuracy, double error_p, double error_n) {
  return {{"accuracy", accuracy}, {"auc", accuracy}, {"f1", accuracy}, {"precision", accuracy},
          {"recall", accuracy},   {"error_p", error_p}, {"error_n", error_n}};
}

struct FakeRun {
  std::string experiment, method;
  std::map<std::string, std::string> sweep;  // besides compose and train.seed
  std::int64_t seed = 0, n_labeled = 1000;
  std::string dataset = "mnist";
  double best_val = 0.9, last_val = 0.9;    // validation accuracy at the best-val and the last epoch
  double test_best = 0.9, test_last = 0.9;  // test accuracy at those epochs
  std::string report_row, report_column;    // the experiment's [report] labels ("" = not given)
};

// Writes a result.json shaped like engine/results.cpp's, with 4 epochs: epoch 2 is the
// best-validation epoch, epoch 4 the last.
fs::path write_run(const fs::path& root, const FakeRun& f) {
  json sweep = {{"compose", f.method}, {"train.seed", std::to_string(f.seed)}};
  std::string id = f.method;
  for (const auto& [k, v] : f.sweep) {
    sweep[k] = v;
    id += "_" + k.substr(k.rfind('.') + 1) + "-" + v;
  }
  id += "_seed-" + std::to_string(f.seed);
  json epochs = json::array();
  const double test[] = {f.test_best - 0.05, f.test_best, f.test_best - 0.01, f.test_last};
  const double val[] = {f.best_val - 0.05, f.best_val, f.best_val - 0.02, f.last_val};
  for (int e = 0; e < 4; ++e) {
    epochs.push_back({{"epoch", e + 1},
                      {"train_risk", 0.5 / (e + 1)},
                      {"val", scores(val[e], 0.1, 0.05)},
                      {"test", scores(test[e], 1 - test[e] + 0.02 * e, 1 - test[e] - 0.01 * e)},
                      {"val_pu_auc", 0.9},
                      {"seconds", 1.0}});
  }
  json j = {{"experiment", f.experiment},
            {"run_id", id},
            {"sweep", sweep},
            {"seed", f.seed},
            {"status", "finished"},
            {"config",
             {{"name", f.experiment},
              {"dataset", {{"name", f.dataset}}},
              {"split", {{"n_labeled", f.n_labeled}, {"n_validation", 500}}},
              {"train", {{"seed", f.seed}, {"epochs", 4}}}}},
            {"wall_seconds", 4.0},
            {"epochs", epochs},
            {"last", {{"epoch", 4}, {"val", scores(f.last_val, 0.1, 0.05)}, {"test", epochs[3]["test"]}}},
            {"best_val", {{"epoch", 2}, {"val", scores(f.best_val, 0.1, 0.05)}, {"test", epochs[1]["test"]}}}};
  j["best_pu"] = j["best_val"];
  if (!f.report_row.empty()) j["config"]["report"]["row"] = f.report_row;
  if (!f.report_column.empty()) j["config"]["report"]["column"] = f.report_column;
  const fs::path file = root / f.experiment / id / "result.json";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << j.dump(1);
  return file;
}

// 2 methods x 2 experiments x 3 seeds x 2 learning rates, and one failed run. Test accuracy
// over the seeds is base - 0.01, base, base + 0.01 (std 1.0 point). In (gradpu, mnist_1k) the
// learning rate with the higher validation accuracy (1e-4) has the LOWER test accuracy.
fs::path make_results() {
  const fs::path root = pulab::test::temp_dir("report_results");
  for (const std::string experiment : {"mnist_1k", "cifar10_1k"}) {
    for (const std::string method : {"naive", "gradpu"}) {
      for (const double lr : {1e-3, 1e-4}) {
        for (std::int64_t seed = 0; seed < 3; ++seed) {
          FakeRun f;
          f.experiment = experiment;
          f.dataset = experiment == "cifar10_1k" ? "cifar10" : "mnist";
          f.method = method;
          f.sweep["train.lr"] = text_of(lr);
          f.seed = seed;
          double base_last = method == "naive" ? 0.92 : 0.96;
          if (experiment == "cifar10_1k") base_last -= 0.05;
          double base_val = 0.90;
          if (lr == 1e-4) {  // the worse setting everywhere but (gradpu, mnist_1k)
            base_val = 0.85;
            base_last -= 0.10;
          }
          if (method == "gradpu" && experiment == "mnist_1k") {
            base_last = lr == 1e-4 ? 0.93 : 0.97;  // higher test accuracy with lr 1e-3 ...
            base_val = lr == 1e-4 ? 0.95 : 0.90;   // ... but higher validation accuracy with lr 1e-4
          }
          const double d = 0.01 * static_cast<double>(seed - 1);
          f.test_last = base_last + d;
          f.test_best = base_last + 0.005 + d;
          f.best_val = base_val + d;
          f.last_val = base_val - 0.01 + d;
          // For --select-by last: in (gradpu, mnist_1k) the last-epoch validation favours lr 1e-3.
          if (method == "gradpu" && experiment == "mnist_1k") f.last_val = (lr == 1e-4 ? 0.80 : 0.88) + d;
          write_run(root, f);
        }
      }
    }
  }
  json failed = {{"experiment", "mnist_1k"}, {"run_id", "nnpu_lr-0.001_seed-0"}, {"sweep", {{"compose", "nnpu"}}},
                 {"seed", 0}, {"status", "failed"}, {"error", "training diverged: NaN risk at epoch 2"},
                 {"config", {{"name", "mnist_1k"}}}};
  fs::create_directories(root / "mnist_1k" / "nnpu_lr-0.001_seed-0");
  std::ofstream(root / "mnist_1k" / "nnpu_lr-0.001_seed-0" / "result.json") << failed.dump(1);
  return root;
}

fs::path paper_file(const fs::path& dir) {
  const fs::path file = dir / "paper.toml";
  std::ofstream(file) << R"([[table]]
id = "t1"
label = "Table 1"
caption = "Test accuracy"
cells = [
  { row = "gradpu", col = "mnist_1k", mean = 96.4, std = 0.4 },
  { row = "naive",  col = "mnist_1k", mean = 92.9, std = 0.5 },
]
)";
  return file;
}

// The table's cells by row label and header.
std::map<std::string, std::map<std::string, std::string>> parse_table(const std::string& markdown) {
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {  // an escaped '|' inside a cell
        cell += line[++i];
      } else if (line[i] == '|') {
        const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
        cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    return cells;
  };
  std::map<std::string, std::map<std::string, std::string>> out;
  std::istringstream in(markdown);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') {
      if (!header.empty()) break;  // the first table only
      continue;
    }
    auto cells = split(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    if (!cells.empty() && cells[0].find("---") != std::string::npos) continue;
    for (std::size_t i = 1; i < cells.size() && i < header.size(); ++i) out[cells[0]][header[i]] = cells[i];
  }
  return out;
}

ReportOptions options_for(const fs::path& results, const std::string& name) {
  ReportOptions o;
  o.dirs = {results};
  o.out = pulab::test::temp_dir(name);
  o.plots.clear();
  return o;
}

TEST(Report, MeanStdOverSeedsPerMethodAndSetting) {
  const fs::path results = make_results();
  const ReportOutcome r = make_report(options_for(results, "report_out"));
  EXPECT_EQ(r.finished, 24u);
  EXPECT_EQ(r.failed, 1u);
  ASSERT_TRUE(fs::exists(r.markdown_file));
  const auto table = parse_table(r.markdown);
  ASSERT_EQ(table.size(), 2u) << r.markdown;  // rows: naive, gradpu (default rows = compose)
  // naive / mnist_1k, lr 1e-3 chosen: last 92 ± 1 over 3 seeds, best-val 92.5 ± 1.
  EXPECT_EQ(table.at("naive").at("mnist_1k last"), "92.0 ± 1.0 (3)") << r.markdown;
  EXPECT_EQ(table.at("naive").at("mnist_1k best-val"), "92.5 ± 1.0 (3)");
  EXPECT_EQ(table.at("naive").at("cifar10_1k last"), "87.0 ± 1.0 (3)");
  EXPECT_EQ(table.at("gradpu").at("cifar10_1k last"), "91.0 ± 1.0 (3)");
  EXPECT_EQ(table.at("gradpu").at("cifar10_1k best-val"), "91.5 ± 1.0 (3)");
  // No paper file: no paper column.
  EXPECT_EQ(table.at("gradpu").count("mnist_1k paper"), 0u);
  // What was read from the file is what is printed.
  std::ifstream in(r.markdown_file);
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(file.str(), r.markdown);
}

TEST(Report, SelectsHyperParametersByValidationNeverTest) {
  const fs::path results = make_results();
  ReportOptions o = options_for(results, "report_select");
  const ReportOutcome by_val = make_report(o);
  const auto table = parse_table(by_val.markdown);
  // lr 1e-4 has the higher validation accuracy (95 vs 90) and the LOWER test accuracy (93 vs 97).
  EXPECT_EQ(table.at("gradpu").at("mnist_1k last"), "93.0 ± 1.0 (3)") << by_val.markdown;
  EXPECT_EQ(table.at("gradpu").at("mnist_1k best-val"), "93.5 ± 1.0 (3)");
  EXPECT_NE(by_val.markdown.find("gradpu / mnist_1k: chose `train.lr=0.0001`"), std::string::npos) << by_val.markdown;
  EXPECT_NE(by_val.markdown.find("naive / mnist_1k: chose `train.lr=0.001`"), std::string::npos);

  // By the last epoch's validation accuracy, lr 1e-3 wins (88 vs 80).
  o.select_by = SelectBy::Last;
  o.out = pulab::test::temp_dir("report_select_last");
  const ReportOutcome by_last = make_report(o);
  EXPECT_EQ(parse_table(by_last.markdown).at("gradpu").at("mnist_1k last"), "97.0 ± 1.0 (3)") << by_last.markdown;
  EXPECT_NE(by_last.markdown.find("gradpu / mnist_1k: chose `train.lr=0.001`"), std::string::npos);
}

TEST(Report, GridPoolsSeedsAndSeparatesSettings) {
  const auto index = load_results({make_results()});
  std::vector<const RunResult*> runs;
  for (const auto& r : index.runs) runs.push_back(&r);
  const Grid g = build_grid(runs, "compose", "experiment", SelectBy::BestVal);
  EXPECT_EQ(g.rows, (std::vector<std::string>{"gradpu", "naive"}));
  EXPECT_EQ(g.cols, (std::vector<std::string>{"cifar10_1k", "mnist_1k"}));
  const Cell* c = g.find("gradpu", "mnist_1k");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->settings.size(), 2u);
  EXPECT_EQ(c->best().name, "train.lr=0.0001");
  EXPECT_EQ(c->best().runs.size(), 3u);
  EXPECT_NEAR(c->best().val.mean, 0.95, 1e-12);
  EXPECT_NEAR(c->best().val.std, 0.01, 1e-12);
  // Rows by the learning rate instead: the setting is then the method.
  const Grid by_lr = build_grid(runs, "train.lr", "experiment", SelectBy::BestVal);
  EXPECT_EQ(by_lr.rows, (std::vector<std::string>{"lr-0.0001", "lr-0.001"}));
  EXPECT_EQ(by_lr.find("lr-0.001", "mnist_1k")->settings.size(), 2u);
  // A config path as the column key.
  const Grid by_np = build_grid(runs, "compose", "config.split.n_labeled", SelectBy::BestVal);
  EXPECT_EQ(by_np.cols, (std::vector<std::string>{"n_labeled-1000"}));
}

TEST(Report, PaperColumnBesideOurs) {
  const fs::path results = make_results();
  ReportOptions o = options_for(results, "report_paper");
  o.paper = paper_file(o.out);
  const ReportOutcome r = make_report(o);
  const auto table = parse_table(r.markdown);
  EXPECT_EQ(table.at("gradpu").at("mnist_1k paper"), "96.4 ± 0.4") << r.markdown;
  EXPECT_EQ(table.at("naive").at("mnist_1k paper"), "92.9 ± 0.5");
  EXPECT_EQ(table.at("gradpu").count("cifar10_1k paper"), 0u);  // the paper has no number there
  EXPECT_NE(r.markdown.find("paper: Table 1"), std::string::npos);
  // The paper file's order sets the rows: gradpu first, as listed.
  EXPECT_LT(r.markdown.find("| gradpu"), r.markdown.find("| naive"));
}

TEST(Report, FailedRunsAreListedNotAveraged) {
  const ReportOutcome r = make_report(options_for(make_results(), "report_failed"));
  EXPECT_NE(r.markdown.find("## Failed runs"), std::string::npos);
  EXPECT_NE(r.markdown.find("mnist_1k/nnpu_lr-0.001_seed-0"), std::string::npos) << r.markdown;
  EXPECT_NE(r.markdown.find("NaN risk at epoch 2"), std::string::npos);
  EXPECT_EQ(parse_table(r.markdown).count("nnpu"), 0u);
}

TEST(Report, NoFinishedRunIsAnError) {
  const fs::path empty = pulab::test::temp_dir("report_empty");
  const std::string message = pulab::test::error_message([&] { make_report(options_for(empty, "report_empty_out")); });
  EXPECT_NE(message.find("no finished run"), std::string::npos) << message;
  EXPECT_NE(pulab::test::error_message([&] { make_report(options_for(empty / "missing", "x")); }).find("no such folder"),
            std::string::npos);
}

TEST(Report, LabelsAndNumbers) {
  EXPECT_EQ(normalize_number("30.0"), "30");
  EXPECT_EQ(normalize_number("1e-4"), "0.0001");
  EXPECT_EQ(normalize_number("0.2"), "0.2");
  EXPECT_EQ(normalize_number("sigmoid"), "sigmoid");
  EXPECT_TRUE(natural_less("beta_max-3", "beta_max-10"));
  EXPECT_TRUE(natural_less("alpha-0.05", "alpha-0.2"));
  EXPECT_FALSE(natural_less("beta_max-10", "beta_max-3"));
  RunResult r;
  r.experiment = "mnist_1k";
  r.sweep = {{"compose", "gradpu"}, {"weighting.beta_max", "30.0"}};
  r.config = {{"config.split.n_labeled", "1000"}};
  EXPECT_EQ(r.label("experiment"), "mnist_1k");
  EXPECT_EQ(r.label("compose"), "gradpu");
  EXPECT_EQ(r.label("weighting.beta_max"), "beta_max-30");
  EXPECT_EQ(r.label("config.weighting.beta_max"), "beta_max-30");
  EXPECT_EQ(r.label("config.split.n_labeled"), "n_labeled-1000");
  EXPECT_EQ(r.label("config.model.name"), "(none)");
  const Summary s = summarize({0.91, 0.92, 0.93});
  EXPECT_NEAR(s.std, 0.01, 1e-12);  // sample std (n - 1)
  EXPECT_EQ(format_summary(s, 1), "92.0 ± 1.0 (3)");
  EXPECT_EQ(format_summary(summarize({0.5}), 2), "50.00 (1)");
}

// The stale check's comparison: a key added later at its legacy value is no difference.
TEST(Report, AKeyAddedLaterAtItsLegacyValueMatchesAnOlderConfiguration) {
  const json older = {{"risk", {{"name", "nnpu"}}}};
  EXPECT_EQ(pulab::without_keys_at_legacy_values({{"risk", {{"name", "nnpu"}, {"positive_weights_on", "both"}}}}), older);
  EXPECT_NE(pulab::without_keys_at_legacy_values({{"risk", {{"name", "nnpu"}, {"positive_weights_on", "positive_risk"}}}}),
            older);
}

// A result file written before a configuration key existed reads as that key's legacy value, as
// the stale check counts it: Table 1's 0.1 runs have no train.precision and are float32 runs.
TEST(Report, AKeyAddedLaterReadsAsItsLegacyValueInAnOlderRun) {
  const json reading = {{"epoch", 1}, {"val", scores(0.9, 0.1, 0.1)}, {"test", scores(0.9, 0.1, 0.1)}};
  const auto run_with = [&](const json& config) {
    const json j = {{"experiment", "e"}, {"run_id", "r"},  {"status", "finished"},
                    {"config", config},  {"last", reading}, {"best_val", reading}};
    return parse_result(j.dump(), "r/result.json");
  };
  const RunResult older = run_with({{"train", {{"seed", 0}}}, {"regularizer", {{"gradient_penalty", {{"alpha", 0.2}}}}}});
  EXPECT_EQ(older.label("train.precision"), "precision-float32");
  EXPECT_EQ(older.label("config.train.early_stopping_patience"), "early_stopping_patience-0");
  EXPECT_EQ(older.label("sampler.name"), "name-joint");  // a whole table added later
  // A key of a component only where the run has that component.
  EXPECT_EQ(older.label("regularizer.vpu_mixup.detach_target"), "(none)");
  EXPECT_EQ(older.label("regularizer.gradient_penalty.alpha"), "alpha-0.2");
  // nnPU's choice of the averages over P a weighting multiplies: older runs weighted both.
  EXPECT_EQ(run_with({{"risk", {{"name", "nnpu"}}}}).label("risk.positive_weights_on"), "positive_weights_on-both");

  const RunResult newer = run_with({{"train", {{"seed", 0}, {"precision", "bfloat16"}}},
                                    {"sampler", {{"name", "stratified"}}},
                                    {"regularizer", {{"vpu_mixup", {{"alpha", 0.3}}}}}});
  EXPECT_EQ(newer.label("train.precision"), "precision-bfloat16");  // a stored value is kept
  EXPECT_EQ(newer.label("sampler.name"), "name-stratified");
  EXPECT_EQ(newer.label("regularizer.vpu_mixup.detach_target"), "detach_target-true");

  // So a table by precision puts the older run beside a newer float32 run, in one column.
  const fs::path root = pulab::test::temp_dir("report_legacy_key");
  for (const auto& [id, train] : {std::pair<std::string, json>{"older", {{"seed", 0}}},
                                  std::pair<std::string, json>{"newer", {{"seed", 1}, {"precision", "float32"}}}}) {
    json j = {{"experiment", "e"}, {"run_id", id},     {"sweep", {{"compose", "nnpu"}}}, {"status", "finished"},
              {"config", {{"train", train}}}, {"last", reading}, {"best_val", reading}};
    fs::create_directories(root / id);
    std::ofstream(root / id / "result.json") << j.dump();
  }
  const ResultsIndex index = load_results({root});
  std::vector<const RunResult*> runs;
  for (const auto& r : index.runs) runs.push_back(&r);
  ASSERT_EQ(runs.size(), 2u);
  const Grid grid = build_grid(runs, "compose", "train.precision", SelectBy::BestVal);
  EXPECT_EQ(grid.cols, std::vector<std::string>{"precision-float32"});
}

// The transfer table's layout: the variants' files label their runs (row = the method, column = the
// variant); the plain methods' runs have no row label and are placed by their composed method.
TEST(Report, AlternativeKeysTakeARunsOwnLabelWhereItHasOneAndTheMethodElsewhere) {
  const fs::path root = pulab::test::temp_dir("report_alternatives");
  for (const std::string method : {"nnpu", "vpu"}) {
    for (std::int64_t seed = 0; seed < 3; ++seed) {
      const double d = 0.01 * static_cast<double>(seed - 1);
      FakeRun plain;
      plain.experiment = "table1";
      plain.method = method;
      plain.seed = seed;
      plain.report_column = "mnist_1k";
      plain.test_last = 0.94 + d;
      write_run(root, plain);
      FakeRun penalty = plain;
      penalty.experiment = "transfer";
      penalty.method = method + "_gp";
      penalty.report_row = method;
      penalty.report_column = "mnist_1k + penalty";
      penalty.test_last = (method == "nnpu" ? 0.95 : 0.93) + d;
      write_run(root, penalty);
    }
  }
  RunResult labelled, plain;
  labelled.sweep = plain.sweep = {{"compose", "nnpu_gp"}};
  labelled.config = {{"config.report.row", "nnpu"}};
  plain.config = {{"config.report.row", ""}};  // the default: no label
  EXPECT_EQ(labelled.label("report.row|compose"), "nnpu");
  EXPECT_EQ(plain.label("report.row|compose"), "nnpu_gp");
  EXPECT_EQ(plain.label("config.model.name|report.row"), "(none)");
  EXPECT_EQ(key_alternatives("report.row|compose"), (std::vector<std::string>{"report.row", "compose"}));
  EXPECT_EQ(key_alternatives("compose"), (std::vector<std::string>{"compose"}));

  ReportOptions o = options_for(root, "report_alternatives_out");
  o.rows = "report.row|compose";
  o.cols = "report.column";
  const ReportOutcome r = make_report(o);
  const auto table = parse_table(r.markdown);
  ASSERT_EQ(table.size(), 2u) << r.markdown;  // nnpu and vpu, each with both variants
  EXPECT_EQ(table.at("nnpu").at("mnist_1k last"), "94.0 ± 1.0 (3)") << r.markdown;
  EXPECT_EQ(table.at("nnpu").at("mnist_1k + penalty last"), "95.0 ± 1.0 (3)");
  EXPECT_EQ(table.at("vpu").at("mnist_1k + penalty last"), "93.0 ± 1.0 (3)");
  // The key with its '|' is one header cell of the markdown table.
  EXPECT_NE(r.markdown.find("| report.row\\|compose "), std::string::npos) << r.markdown;

  // The composed method is part of the row key, not a setting to choose between.
  const auto index = load_results({root});
  std::vector<const RunResult*> runs;
  for (const auto& run : index.runs) runs.push_back(&run);
  const Grid g = build_grid(runs, "report.row|compose", "report.column", SelectBy::BestVal);
  const Cell* cell = g.find("nnpu", "mnist_1k + penalty");
  ASSERT_NE(cell, nullptr);
  ASSERT_EQ(cell->settings.size(), 1u);
  EXPECT_EQ(cell->best().name, "");
}

TEST(Report, ShippedPaperNumbersParse) {
  const PaperNumbers p = load_paper_numbers(fs::path(PULAB_SOURCE_DIR) / "experiments/paper/paper_numbers.toml");
  EXPECT_EQ(p.tables.size(), 4u);
  // Table 1 has 40 cells plus the VPU cells again for the vpu_stratified row (6).
  EXPECT_EQ(p.cells.size(), 40u + 6u + 36u + 15u + 15u);
  auto one = [&](const char* row, const char* col, const char* table) {
    auto cells = p.lookup(row, col, table);
    return format_paper(cells);
  };
  EXPECT_EQ(one("gradpu", "mnist_1k", "table1"), "96.4 ± 0.4");
  EXPECT_EQ(one("supervised", "cifar10_3k", "table1"), "92.9 ± 0.3");
  EXPECT_EQ(one("selfpu", "fashion_mnist_1k", "table1"), "–");  // "-" in the paper
  EXPECT_EQ(one("dropout", "mnist_1k", "table2"), "best 92.6 ± 0.7 / last 84.7 ± 1.7");
  EXPECT_EQ(one("beta_max-30", "mnist_1k", "table3"), "96.4 ± 0.4");
  EXPECT_EQ(one("gradpu_no_upweighting", "cifar10_selection_bias", "table4"), "79.7 ± 0.8");
  // A Table 1 report ranks Table 1 first even though Table 2 also has gradpu / mnist_1k.
  EXPECT_EQ(p.rank_tables({{"naive", "mnist_1k"}, {"gradpu", "mnist_1k"}}).front(), "table1");
}

TEST(Report, BadPaperFileNamesTheLine) {
  const fs::path dir = pulab::test::temp_dir("report_bad_paper");
  std::ofstream(dir / "p.toml") << "[[table]]\nid = \"t\"\ncells = [ { row = \"a\", col = \"b\" } ]\n";
  const std::string m = pulab::test::error_message([&] { load_paper_numbers(dir / "p.toml"); });
  EXPECT_NE(m.find("p.toml:3"), std::string::npos) << m;
  EXPECT_NE(m.find("mean"), std::string::npos) << m;
}

bool nonempty(const fs::path& p) { return fs::exists(p) && fs::file_size(p) > 0; }

TEST(Report, PlotsArePngAndSvg) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox)";
  const fs::path results = make_results();
  // An alpha sweep and an n_p sweep for Fig. 4 and Fig. 5.
  for (const std::string alpha : {"0", "0.1", "0.2", "1"}) {
    for (std::int64_t seed = 0; seed < 2; ++seed) {
      FakeRun f;
      f.experiment = "mnist_alpha";
      f.method = "gradpu";
      f.sweep["regularizer.gradient_penalty.alpha"] = alpha;
      f.seed = seed;
      f.test_last = 0.9 + 0.01 * std::stod(alpha) + 0.005 * static_cast<double>(seed);
      write_run(results, f);
    }
  }
  for (const std::int64_t np : {1000, 2000, 4000}) {
    for (std::int64_t seed = 0; seed < 2; ++seed) {
      FakeRun f;
      f.experiment = "mnist_np";
      f.method = "gradpu";
      f.sweep["split.n_labeled"] = std::to_string(np);
      f.n_labeled = np;
      f.seed = seed;
      f.test_last = 0.9 + 0.00001 * static_cast<double>(np) + 0.005 * static_cast<double>(seed);
      f.test_best = 0.97;
      write_run(results, f);
    }
  }
  ReportOptions o = options_for(results, "report_plots");
  o.plots = {"accuracy", "error", "alpha", "np"};
  const ReportOutcome r = make_report(o);
  for (const auto& w : r.warnings) {
    if (w.find("gnuplot") != std::string::npos) ADD_FAILURE() << w;  // (cifar10 has one n_p only: warned, fine)
  }
  for (const std::string name : {"accuracy_mnist_1k", "accuracy_cifar10_1k", "error_mnist_1k", "alpha_mnist_alpha", "np_mnist"}) {
    for (const std::string ext : {".png", ".svg", ".dat", ".gp"}) {
      EXPECT_TRUE(nonempty(o.out / "plots" / (name + ext))) << name + ext;
    }
    EXPECT_NE(r.markdown.find("plots/" + name + ".png"), std::string::npos) << name;
  }
  std::ifstream png(o.out / "plots" / "accuracy_mnist_1k.png", std::ios::binary);
  char magic[4] = {};
  png.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  std::ifstream svg(o.out / "plots" / "np_mnist.svg");
  std::stringstream text;
  text << svg.rdbuf();
  EXPECT_NE(text.str().find("<svg"), std::string::npos);
  // Four α values, one line each; n_p on the x axis at 1000, 2000, 4000.
  std::ifstream gp(o.out / "plots" / "alpha_mnist_alpha.gp");
  std::stringstream script;
  script << gp.rdbuf();
  for (const std::string a : {"α = 0'", "α = 0.1'", "α = 0.2'", "α = 1'"}) EXPECT_NE(script.str().find(a), std::string::npos) << a;
  // Fig. 5 draws both readings: the best-validation epoch (97% at every n_p of this sweep) and the
  // last epoch (92.25% at n_p = 2000: seeds at 92.0 and 92.5), each with its own line. (n_p = 1000
  // also has make_results()'s runs.)
  std::ifstream np_dat(o.out / "plots" / "np_mnist.dat");
  std::stringstream np_data;
  np_data << np_dat.rdbuf();
  const std::string d = np_data.str();
  const auto best = d.find("# gradpu (best-val)"), last = d.find("# gradpu (last)");
  ASSERT_NE(best, std::string::npos) << d;
  ASSERT_NE(last, std::string::npos) << d;
  EXPECT_NE(d.substr(best, last - best).find("2000\t97\t0\n"), std::string::npos) << d;
  EXPECT_NE(d.substr(last).find("2000\t92.25\t"), std::string::npos) << d;
}

TEST(Report, WithoutGnuplotTheTablesAreStillWritten) {
  const char* old = std::getenv("PULAB_GNUPLOT");
  const std::string saved = old ? old : "";
  ::setenv("PULAB_GNUPLOT", "/nonexistent/gnuplot", 1);
  ReportOptions o = options_for(make_results(), "report_nognuplot");
  o.plots = {"accuracy"};
  ReportOutcome r;
  EXPECT_NO_THROW(r = make_report(o));
  if (old) ::setenv("PULAB_GNUPLOT", saved.c_str(), 1);
  else ::unsetenv("PULAB_GNUPLOT");
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.front().find("gnuplot not found"), std::string::npos) << r.warnings.front();
  EXPECT_TRUE(r.images.empty());
  EXPECT_TRUE(nonempty(o.out / "report.md"));
  EXPECT_TRUE(nonempty(o.out / "plots" / "accuracy_mnist_1k.gp"));
  EXPECT_EQ(parse_table(r.markdown).at("naive").at("mnist_1k last"), "92.0 ± 1.0 (3)");
}

// A partial sweep (one method with 3 seeds, another with 2 so far): the plot says how many runs
// its lines average, not the most of any line.
TEST(Report, APlotOfAPartialSweepGivesTheRangeOfSeeds) {
  const fs::path root = pulab::test::temp_dir("report_partial_results");
  for (const auto& [method, seeds] : std::vector<std::pair<std::string, std::int64_t>>{{"naive", 3}, {"gradpu", 2}}) {
    for (std::int64_t seed = 0; seed < seeds; ++seed) {
      FakeRun f;
      f.experiment = "partial";
      f.method = method;
      f.seed = seed;
      write_run(root, f);
    }
  }
  ReportOptions o = options_for(root, "report_partial");
  o.plots = {"accuracy"};
  make_report(o);
  std::ifstream gp(o.out / "plots" / "accuracy_partial.gp");
  std::stringstream script;
  script << gp.rdbuf();
  EXPECT_NE(script.str().find("mean of 2-3 seeds"), std::string::npos) << script.str().substr(0, 600);
}

TEST(Report, CommandLine) {
  const fs::path results = make_results();
  const fs::path out = pulab::test::temp_dir("report_cli");
  const std::string cmd = std::string("'") + PULAB_TEST_BINARY + "' report '" + results.string() + "' --out '" +
                          out.string() + "' --no-plots --select-by last --title 'CLI test' > '" +
                          (out / "stdout.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(out / "stdout.txt");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("# CLI test"), std::string::npos) << text.str();
  EXPECT_EQ(parse_table(text.str()).at("gradpu").at("mnist_1k last"), "97.0 ± 1.0 (3)") << text.str();
  EXPECT_TRUE(nonempty(out / "report.md"));
  const std::string bad = std::string("'") + PULAB_TEST_BINARY + "' report '" + results.string() +
                          "' --select-by test >/dev/null 2>&1";
  EXPECT_NE(std::system(bad.c_str()), 0);  // selecting by test accuracy is not an option
}

}  // namespace
