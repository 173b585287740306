// `pulab report --leaderboard` and `--plot c`, on fake result files: per data set accuracy, F1,
// AUC (mean ± std over seeds), wall time and runs; ranks with ties and a missing data set; the
// setting chosen by validation (never test); accuracy against the label frequency c.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/leaderboard.hpp"
#include "report/plots.hpp"
#include "report/report.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace pulab::report;

struct FakeRun {
  std::string experiment, method;
  std::int64_t seed = 0;
  double val = 0.9;    // validation accuracy at the best-validation epoch (2)
  double best = 0.9;   // test accuracy there
  double last = 0.85;  // at the last epoch (4)
  double pu = 0.8;     // at the epoch PU-AUC picks (3)
  double wall_seconds = 60;
  std::map<std::string, std::string> sweep;  // besides compose and train.seed
  std::optional<double> label_frequency;
  double f1_offset = -0.02;  // F1 = accuracy + this, at every epoch
  bool all_negative = false;  // the test predictions call every row negative (error_p 1, error_n 0)
};

// F1 and AUC differ from the accuracy, so that a column showing the wrong metric fails.
json scores(double accuracy, double f1_offset = -0.02, bool all_negative = false) {
  return {{"accuracy", accuracy},
          {"f1", accuracy + f1_offset},
          {"auc", accuracy + 0.03},
          {"precision", accuracy},
          {"recall", accuracy},
          {"error_p", all_negative ? 1.0 : 1 - accuracy},
          {"error_n", all_negative ? 0.0 : 1 - accuracy}};
}

// A result.json shaped like engine/results.cpp's: 4 epochs, epoch 2 the best-validation one,
// epoch 3 the one of highest PU-AUC, epoch 4 the last.
void write_run(const fs::path& root, const FakeRun& f) {
  json sweep = {{"compose", f.method}, {"train.seed", std::to_string(f.seed)}};
  std::string id = f.method;
  for (const auto& [k, v] : f.sweep) {
    sweep[k] = v;
    id += "_" + k.substr(k.rfind('.') + 1) + "-" + v;
  }
  id += "_seed-" + std::to_string(f.seed);
  const double test[] = {f.best - 0.2, f.best, f.pu, f.last};
  const double val[] = {f.val - 0.05, f.val, f.val - 0.02, f.val - 0.03};
  const double pu_auc[] = {0.5, 0.6, 0.9, 0.7};
  json epochs = json::array();
  for (int e = 0; e < 4; ++e) {
    epochs.push_back({{"epoch", e + 1}, {"train_risk", 0.1}, {"val", scores(val[e])}, {"test", scores(test[e], f.f1_offset, f.all_negative)},
                      {"val_pu_auc", pu_auc[e]}});
  }
  json split = {{"n_validation", 37}};
  if (f.label_frequency) split["label_frequency"] = *f.label_frequency;
  json j = {{"experiment", f.experiment},
            {"run_id", id},
            {"sweep", sweep},
            {"seed", f.seed},
            {"status", "finished"},
            {"config", {{"name", f.experiment}, {"dataset", {{"name", "csv"}}}, {"split", split}, {"train", {{"seed", f.seed}}}}},
            {"wall_seconds", f.wall_seconds},
            {"epochs", epochs},
            {"last", {{"epoch", 4}, {"val", epochs[3]["val"]}, {"test", epochs[3]["test"]}}},
            {"best_val", {{"epoch", 2}, {"val", epochs[1]["val"]}, {"test", epochs[1]["test"]}}}};
  const fs::path file = root / f.experiment / id / "result.json";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << j.dump(1);
}

void write_failed(const fs::path& root, const std::string& experiment, const std::string& method) {
  const std::string id = method + "_seed-2";  // a third seed: the finished seeds 0 and 1 keep their files
  const json j = {{"experiment", experiment}, {"run_id", id}, {"sweep", {{"compose", method}}},
                  {"seed", 2}, {"status", "failed"}, {"error", "NaN risk"}, {"config", {{"name", experiment}}}};
  fs::create_directories(root / experiment / id);
  std::ofstream(root / experiment / id / "result.json") << j.dump(1);
}

FakeRun run(const std::string& experiment, const std::string& method, std::int64_t seed, double best) {
  FakeRun f;
  f.experiment = experiment;
  f.method = method;
  f.seed = seed;
  f.best = best;
  f.last = best - 0.05;
  f.pu = best - 0.10;
  return f;
}

// 3 methods x 2 data sets x 2 seeds, vpu missing on spambase. Test accuracy at the best-val epoch:
//   letter:   nnpu 0.90, 0.92 (91.0)   upu 0.80, 0.84 (82.0)   vpu 0.91, 0.91 (91.0: ties nnpu)
//   spambase: nnpu 0.85, 0.87 (86.0)   upu 0.88, 0.90 (89.0)   vpu -
// Mean ranks: vpu 1.5 (one data set), nnpu (1.5 + 2) / 2 = 1.75, upu (3 + 1) / 2 = 2.
// nnpu on letter is also swept over a learning rate whose other value has LOWER validation but
// HIGHER test accuracy (0.99): selecting by test would change its numbers and the ranks.
// A failed upu run on spambase, and a method (nnpusb) that only failed, on letter.
fs::path make_results() {
  const fs::path root = pulab::test::temp_dir("leaderboard_results");
  for (std::int64_t seed = 0; seed < 2; ++seed) {
    const double d = 0.02 * static_cast<double>(seed);
    FakeRun chosen = run("letter", "nnpu", seed, 0.90 + d);
    chosen.sweep["train.lr"] = "0.001";
    chosen.wall_seconds = seed == 0 ? 120 : 180;
    write_run(root, chosen);
    FakeRun tempting = run("letter", "nnpu", seed, 0.99);
    tempting.sweep["train.lr"] = "0.01";
    tempting.val = 0.80;
    tempting.wall_seconds = 600;
    write_run(root, tempting);
    write_run(root, run("letter", "upu", seed, 0.80 + 2 * d));
    FakeRun vpu = run("letter", "vpu", seed, 0.91);
    vpu.pu = 0.70;  // under --select-by pu_auc vpu is last on letter
    vpu.wall_seconds = seed == 0 ? 30 : 90;
    write_run(root, vpu);
    write_run(root, run("spambase", "nnpu", seed, 0.85 + d));
    write_run(root, run("spambase", "upu", seed, 0.88 + d));
  }
  write_failed(root, "spambase", "upu");
  write_failed(root, "letter", "nnpusb");
  return root;
}

struct Table {
  std::vector<std::string> rows;  // row labels in order
  std::map<std::string, std::map<std::string, std::string>> cells;  // row -> header -> cell
  std::string after;  // the text after the table up to the next heading
};

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] != '|') {
      cell += line[i];
      continue;
    }
    const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    cell.clear();
  }
  return cells;
}

// The first table after the line `heading`.
Table table_under(const std::string& markdown, const std::string& heading) {
  Table t;
  const auto at = markdown.find("\n" + heading + "\n");
  if (at == std::string::npos) return t;
  std::istringstream in(markdown.substr(at + heading.size() + 2));
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) break;
    if (line.empty() || line[0] != '|') {
      if (!header.empty()) t.after += line + "\n";
      continue;
    }
    const auto cells = split_cells(line);
    if (header.empty()) {
      header = cells;
    } else if (cells[0].find("---") == std::string::npos) {
      t.rows.push_back(cells[0]);
      for (std::size_t i = 1; i < cells.size() && i < header.size(); ++i) t.cells[cells[0]][header[i]] = cells[i];
    }
  }
  return t;
}

ReportOptions options_for(const fs::path& results, const std::string& name) {
  ReportOptions o;
  o.dirs = {results};
  o.out = pulab::test::temp_dir(name);
  o.plots.clear();
  o.leaderboard = true;
  return o;
}

const char* const kRanks = "### Mean rank over data sets";

TEST(Leaderboard, AverageRanksShareTies) {
  EXPECT_EQ(average_ranks({0.8, 0.9, 0.7}), (std::vector<double>{2, 1, 3}));
  EXPECT_EQ(average_ranks({0.9, 0.8, 0.9}), (std::vector<double>{1.5, 3, 1.5}));
  EXPECT_EQ(average_ranks({0.5, 0.5, 0.5}), (std::vector<double>{2, 2, 2}));
  // Means of the same accuracies summed in another order are a tie, not 1 and 2.
  EXPECT_EQ(average_ranks({(0.90 + 0.92) / 2, (0.91 + 0.91) / 2}), (std::vector<double>{1.5, 1.5}));
}

TEST(Leaderboard, PerDataSetMeanStdF1AucWallTimeRuns) {
  const ReportOutcome r = make_report(options_for(make_results(), "leaderboard_tables"));
  ASSERT_NE(r.markdown.find("\n## Leaderboard\n"), std::string::npos) << r.markdown;
  const Table letter = table_under(r.markdown, "### letter");
  ASSERT_EQ(letter.rows.size(), 4u) << r.markdown;
  const auto& nnpu = letter.cells.at("nnpu");
  EXPECT_EQ(nnpu.at("accuracy last"), "86.0 ± 1.4 (2)") << r.markdown;
  EXPECT_EQ(nnpu.at("accuracy best-val"), "91.0 ± 1.4 (2)");
  EXPECT_EQ(nnpu.at("F1 best-val"), "89.0 ± 1.4 (2)");
  EXPECT_EQ(nnpu.at("AUC best-val"), "94.0 ± 1.4 (2)");
  EXPECT_EQ(nnpu.at("wall time [min]"), "2.50");  // (120 s + 180 s) / 2; the lr 0.01 runs took 600 s each
  EXPECT_EQ(nnpu.at("runs"), "2 of 4 in the sweep");
  EXPECT_EQ(letter.cells.at("upu").at("accuracy best-val"), "82.0 ± 2.8 (2)");
  EXPECT_EQ(letter.cells.at("vpu").at("accuracy best-val"), "91.0 ± 0.0 (2)");
  EXPECT_EQ(letter.cells.at("vpu").at("wall time [min]"), "1.00");
  // Sorted by accuracy: nnpu and vpu tie (in the order of the mean ranks: vpu first), then upu;
  // nnpusb only failed: listed, not averaged.
  EXPECT_EQ(letter.rows, (std::vector<std::string>{"vpu", "nnpu", "upu", "nnpusb"}));
  EXPECT_EQ(letter.cells.at("nnpusb").at("accuracy best-val"), "–");
  EXPECT_EQ(letter.cells.at("nnpusb").at("runs"), "0, 1 failed");

  const Table spambase = table_under(r.markdown, "### spambase");
  EXPECT_EQ(spambase.rows, (std::vector<std::string>{"upu", "nnpu"})) << r.markdown;
  EXPECT_EQ(spambase.cells.at("upu").at("accuracy best-val"), "89.0 ± 1.4 (2)");  // the failed run is not averaged
  EXPECT_EQ(spambase.cells.at("upu").at("runs"), "2, 1 failed");
}

TEST(Leaderboard, MeanRankTiesMissingDataSetAndOrder) {
  const ReportOutcome r = make_report(options_for(make_results(), "leaderboard_ranks"));
  const Table t = table_under(r.markdown, kRanks);
  EXPECT_EQ(t.rows, (std::vector<std::string>{"vpu", "nnpu", "upu"})) << r.markdown;
  ASSERT_EQ(t.cells.size(), 3u);
  EXPECT_EQ(t.cells.at("nnpu").at("letter"), "91.0 ± 1.4 (2), rank 1.5");
  EXPECT_EQ(t.cells.at("vpu").at("letter"), "91.0 ± 0.0 (2), rank 1.5");
  EXPECT_EQ(t.cells.at("upu").at("letter"), "82.0 ± 2.8 (2), rank 3");
  EXPECT_EQ(t.cells.at("nnpu").at("spambase"), "86.0 ± 1.4 (2), rank 2");
  EXPECT_EQ(t.cells.at("vpu").at("spambase"), "–");
  EXPECT_EQ(t.cells.at("vpu").at("mean rank"), "1.50");
  EXPECT_EQ(t.cells.at("nnpu").at("mean rank"), "1.75");
  EXPECT_EQ(t.cells.at("upu").at("mean rank"), "2.00");
  EXPECT_EQ(t.cells.at("vpu").at("data sets"), "1 of 2 †");
  EXPECT_EQ(t.cells.at("nnpu").at("data sets"), "2 of 2");
  EXPECT_NE(t.after.find("† vpu: no finished run on `spambase`; its mean rank is over the 1 data set it has"),
            std::string::npos)
      << t.after;
}

TEST(Leaderboard, RankMethodsApi) {
  std::vector<const RunResult*> runs;
  const ResultsIndex index = load_results({make_results()});
  for (const auto& r : index.runs) runs.push_back(&r);
  const auto ranks = rank_methods(build_grid(runs, "compose", "experiment", SelectBy::BestVal), SelectBy::BestVal);
  ASSERT_EQ(ranks.size(), 3u);
  EXPECT_EQ(ranks[0].method, "vpu");
  EXPECT_EQ(ranks[0].missing, (std::vector<std::string>{"spambase"}));
  EXPECT_DOUBLE_EQ(ranks[1].mean_rank, 1.75);
  EXPECT_DOUBLE_EQ(ranks[2].rank.at("spambase"), 1.0);
}

// On a data set where calling every row negative scores a high accuracy, F1 ranks what accuracy
// cannot: here upu has the lowest accuracy on letter and the highest F1.
TEST(Leaderboard, RanksByTheMetricGiven) {
  EXPECT_EQ(parse_rank_metric("f1"), RankMetric::F1);
  EXPECT_EQ(parse_rank_metric("auc"), RankMetric::Auc);
  EXPECT_EQ(parse_rank_metric("accuracy"), RankMetric::Accuracy);
  const std::string bad = pulab::test::error_message([] { parse_rank_metric("precision"); });
  EXPECT_NE(bad.find("--rank-by must be 'accuracy', 'f1' or 'auc'"), std::string::npos) << bad;

  const fs::path root = make_results();
  for (std::int64_t seed = 0; seed < 2; ++seed) {  // upu on letter again, with F1 = accuracy + 0.15
    FakeRun upu = run("letter", "upu", seed, 0.80 + 0.04 * static_cast<double>(seed));
    upu.f1_offset = 0.15;
    write_run(root, upu);
  }
  ReportOptions o = options_for(root, "leaderboard_rank_f1");
  o.rank_by = RankMetric::F1;
  const ReportOutcome r = make_report(o);
  // F1 on letter: upu 97.0, nnpu 89.0, vpu 89.0 (tie); on spambase: upu 87.0, nnpu 84.0. Mean
  // ranks: upu 1, nnpu (2.5 + 2) / 2 = 2.25, vpu 2.5 (letter only).
  const Table t = table_under(r.markdown, kRanks);
  EXPECT_EQ(t.rows, (std::vector<std::string>{"upu", "nnpu", "vpu"})) << r.markdown;
  EXPECT_EQ(t.cells.at("upu").at("letter"), "97.0 ± 2.8 (2), rank 1");
  EXPECT_EQ(t.cells.at("nnpu").at("letter"), "89.0 ± 1.4 (2), rank 2.5");
  EXPECT_EQ(t.cells.at("upu").at("mean rank"), "1.00");
  EXPECT_EQ(t.cells.at("nnpu").at("mean rank"), "2.25");
  EXPECT_NE(r.markdown.find("Test F1 [%] at the epoch of highest validation accuracy"), std::string::npos) << r.markdown;
  // The data set's table is sorted by the same metric; its accuracy column is unchanged.
  const Table letter = table_under(r.markdown, "### letter");
  EXPECT_EQ(letter.rows.front(), "upu") << r.markdown;
  EXPECT_EQ(letter.cells.at("upu").at("accuracy best-val"), "82.0 ± 2.8 (2)");
  EXPECT_NE(r.markdown.find("Rows sorted by *F1 best-val*"), std::string::npos);
}

// A method whose selected reading calls every test row negative is named under the data set's
// table: its accuracy there is only the share of negatives.
TEST(Leaderboard, NamesTheMethodsThatCallEveryRowOneClass) {
  const fs::path root = make_results();
  FakeRun collapsed = run("spambase", "upu", 1, 0.60);  // seed 1 of upu on spambase: all negative
  collapsed.all_negative = true;
  write_run(root, collapsed);
  const ReportOutcome r = make_report(options_for(root, "leaderboard_one_class"));
  const Table spambase = table_under(r.markdown, "### spambase");
  EXPECT_NE(spambase.after.find("*One class at the best-val reading* (its accuracy is that class's share of the "
                                "test set): every test row negative: upu (1 of 2 seeds)."),
            std::string::npos)
      << r.markdown;
  EXPECT_EQ(table_under(r.markdown, "### letter").after.find("One class"), std::string::npos) << r.markdown;
}

TEST(Leaderboard, SelectedReadingFollowsSelectBy) {
  ReportOptions o = options_for(make_results(), "leaderboard_pu_auc");
  o.select_by = SelectBy::PuAuc;
  const ReportOutcome r = make_report(o);
  const Table letter = table_under(r.markdown, "### letter");
  ASSERT_TRUE(letter.cells.count("vpu")) << r.markdown;
  EXPECT_EQ(letter.cells.at("vpu").at("accuracy by PU-AUC"), "70.0 ± 0.0 (2)") << r.markdown;
  EXPECT_EQ(letter.cells.at("nnpu").at("F1 by PU-AUC"), "79.0 ± 1.4 (2)");
  EXPECT_EQ(letter.cells.at("nnpu").at("accuracy last"), "86.0 ± 1.4 (2)");
  // At the PU-AUC epochs vpu is last on letter: nnpu 81.0, upu 72.0, vpu 70.0.
  const Table t = table_under(r.markdown, kRanks);
  EXPECT_EQ(t.cells.at("vpu").at("mean rank"), "3.00") << r.markdown;
  // nnpu (1 + 2) / 2 and upu (2 + 1) / 2 tie at 1.5: in the grid's order.
  EXPECT_EQ(t.rows, (std::vector<std::string>{"nnpu", "upu", "vpu"}));
}

TEST(Leaderboard, OffByDefault) {
  ReportOptions o = options_for(make_results(), "leaderboard_off");
  o.leaderboard = false;
  EXPECT_EQ(make_report(o).markdown.find("Leaderboard"), std::string::npos);
}

// The numbers of a plot's .dat file: series title -> (x, mean, std) rows.
std::map<std::string, std::vector<std::vector<double>>> read_dat(const fs::path& file) {
  std::ifstream in(file);
  std::map<std::string, std::vector<std::vector<double>>> out;
  std::string line, title;
  bool next_is_title = false;  // a block starts with "# title", then "# x y std"
  while (std::getline(in, line)) {
    if (line.empty() || line.find("-- data of") != std::string::npos) {
      next_is_title = true;
      continue;
    }
    if (line.rfind("# ", 0) == 0) {
      if (next_is_title) title = line.substr(2);
      next_is_title = false;
      continue;
    }
    std::istringstream fields(line);
    std::vector<double> row;
    for (double v; fields >> v;) row.push_back(v);
    if (row.size() == 3) out[title].push_back(row);
  }
  return out;
}

// Two data sets, two methods, c in {0.5, 0.01, 0.1} (written out of order), two seeds each.
// Test accuracy at the best-val epoch: 0.6 + 0.5 c (nnpu), 0.05 lower (upu), +0.01 for seed 1.
fs::path make_c_results() {
  const fs::path root = pulab::test::temp_dir("leaderboard_c_results");
  for (const std::string experiment : {"letter_c", "spambase_c"}) {
    for (const std::string method : {"nnpu", "upu"}) {
      for (const double c : {0.5, 0.01, 0.1}) {
        for (std::int64_t seed = 0; seed < 2; ++seed) {
          FakeRun f = run(experiment, method, seed, 0.6 + 0.5 * c - (method == "upu" ? 0.05 : 0) + 0.01 * seed);
          std::ostringstream text;
          text << c;
          f.sweep["split.label_frequency"] = text.str();
          f.label_frequency = c;
          write_run(root, f);
        }
      }
    }
  }
  return root;
}

TEST(Leaderboard, PlotCDataOnePlotPerDataSet) {
  ReportOptions o = options_for(make_c_results(), "leaderboard_plot_c");
  o.plots = {"c"};
  const ReportOutcome r = make_report(o);
  const fs::path dat = o.out / "plots" / "c_letter_c.dat";
  ASSERT_TRUE(fs::exists(dat)) << r.markdown;
  EXPECT_TRUE(fs::exists(o.out / "plots" / "c_spambase_c.dat"));
  EXPECT_FALSE(fs::exists(o.out / "plots" / "c_letter_c_label_frequency-0.1.dat"));
  const auto data = read_dat(dat);
  ASSERT_EQ(data.size(), 2u);
  const auto& nnpu = data.at("nnpu");
  ASSERT_EQ(nnpu.size(), 3u);
  const double xs[] = {0.01, 0.1, 0.5};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(nnpu[i][0], xs[i], 1e-9);                          // c, ascending
    EXPECT_NEAR(nnpu[i][1], 100 * (0.605 + 0.5 * xs[i]), 1e-6);    // mean over the 2 seeds, in %
    EXPECT_NEAR(nnpu[i][2], 100 * 0.01 / std::sqrt(2.0), 1e-4);    // sample std of {a, a + 0.01}
    EXPECT_NEAR(data.at("upu")[i][1], nnpu[i][1] - 5, 1e-6);
  }
  std::ifstream gp(o.out / "plots" / "c_letter_c.gp");
  std::stringstream script;
  script << gp.rdbuf();
  EXPECT_NE(script.str().find("set logscale x"), std::string::npos);
  EXPECT_NE(script.str().find("yerrorlines"), std::string::npos);
  for (const auto& w : r.warnings) EXPECT_EQ(w.find("--plot c"), std::string::npos) << w;
}

TEST(Leaderboard, PlotCImagesArePngAndSvg) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox)";
  ReportOptions o = options_for(make_c_results(), "leaderboard_plot_c_images");
  o.plots = {"c"};
  const ReportOutcome r = make_report(o);
  for (const std::string ext : {".png", ".svg"}) {
    const fs::path image = o.out / "plots" / ("c_spambase_c" + ext);
    EXPECT_TRUE(fs::exists(image) && fs::file_size(image) > 0) << image;
  }
  EXPECT_NE(r.markdown.find("plots/c_spambase_c.png"), std::string::npos) << r.markdown;
  EXPECT_EQ(r.images.size(), 4u);
}

TEST(Leaderboard, PlotCWithoutLabelFrequencyWarns) {
  ReportOptions o = options_for(make_results(), "leaderboard_plot_c_none");
  o.plots = {"c"};
  const ReportOutcome r = make_report(o);
  // Exactly one warning about the missing label frequency; a machine without gnuplot adds its own.
  const auto about_c = std::count_if(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
    return w.find("--plot c: no run has config.split.label_frequency") != std::string::npos;
  });
  EXPECT_EQ(about_c, 1) << ::testing::PrintToString(r.warnings);
  EXPECT_FALSE(fs::exists(o.out / "plots" / "c_letter.dat"));
}

TEST(Leaderboard, CommandLine) {
  const fs::path results = make_results();
  const fs::path out = pulab::test::temp_dir("leaderboard_cli");
  const std::string cmd = std::string("'") + PULAB_TEST_BINARY + "' report '" + results.string() + "' --out '" +
                          out.string() + "' --leaderboard --plot c > '" + (out / "stdout.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(out / "stdout.txt");
  std::stringstream text;
  text << in.rdbuf();
  const Table t = table_under(text.str(), kRanks);
  EXPECT_EQ(t.rows, (std::vector<std::string>{"vpu", "nnpu", "upu"})) << text.str();
  EXPECT_NE(text.str().find("--plot c: no run has"), std::string::npos);  // the warning, on stderr

  // --rank-by needs --leaderboard, and a metric it knows.
  const std::string base = std::string("'") + PULAB_TEST_BINARY + "' report '" + results.string() + "' --out '" +
                           (out / "again").string() + "' --no-plots ";
  for (const auto& [extra, message] : std::vector<std::pair<std::string, std::string>>{
           {"--rank-by f1", "--rank-by ranks the leaderboard: give --leaderboard too"},
           {"--leaderboard --rank-by recall", "--rank-by must be 'accuracy', 'f1' or 'auc'"}}) {
    const std::string bad = base + extra + " > '" + (out / "bad.txt").string() + "' 2>&1";
    EXPECT_NE(std::system(bad.c_str()), 0) << extra;
    std::ifstream bad_in(out / "bad.txt");
    std::stringstream bad_text;
    bad_text << bad_in.rdbuf();
    EXPECT_NE(bad_text.str().find(message), std::string::npos) << bad_text.str();
  }
  const std::string auc = base + "--leaderboard --rank-by auc > /dev/null 2>&1";
  EXPECT_EQ(std::system(auc.c_str()), 0);
}

// --no-plots with --plot: only the named plots (a c-grid's columns get no per-epoch plots).
TEST(Leaderboard, NoPlotsWithPlotCDrawsOnlyTheCPlots) {
  const fs::path results = make_c_results();
  const fs::path out = pulab::test::temp_dir("leaderboard_cli_only_c");
  const std::string cmd = std::string("'") + PULAB_TEST_BINARY + "' report '" + results.string() + "' --out '" +
                          out.string() + "' --no-plots --plot c > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(fs::exists(out / "plots" / "c_spambase_c.dat"));
  EXPECT_TRUE(fs::exists(out / "plots" / "c_letter_c.gp"));
  for (const auto& entry : fs::directory_iterator(out / "plots")) {
    EXPECT_EQ(entry.path().filename().string().rfind("c_", 0), 0u) << entry.path();  // no accuracy_*, error_*
  }
}

}  // namespace
