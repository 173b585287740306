#include "report/report.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "path_kind.hpp"
#include "pulab/error.hpp"
#include "report/collapses.hpp"
#include "report/criteria.hpp"
#include "report/leaderboard.hpp"
#include "report/paper.hpp"
#include "report/paper_summary.hpp"
#include "report/plots.hpp"
#include "report/pu_selection.hpp"
#include "report/results_index.hpp"
#include "report/stats.hpp"
#include "report/table.hpp"

namespace pulab::report {
namespace fs = std::filesystem;

const std::vector<std::string>& plot_kinds() {
  static const std::vector<std::string> kinds{"accuracy", "error", "alpha", "np", "c"};
  return kinds;
}

namespace {

using Runs = std::vector<const RunResult*>;

// Per epoch: mean and sample std over the runs (in percent) of one metric.
void epoch_curve(const Runs& runs, const std::function<double(const EpochScores&)>& metric, Series& s) {
  std::map<std::int64_t, std::vector<double>> by_epoch;
  for (const RunResult* r : runs)
    for (const auto& e : r->epochs) by_epoch[e.epoch].push_back(100.0 * metric(e));
  for (const auto& [epoch, values] : by_epoch) {
    const Summary m = summarize(values);
    s.x.push_back(static_cast<double>(epoch));
    s.y.push_back(m.mean);
    s.err.push_back(m.std);
  }
}

// The fewest and the most runs behind one line of column `col` (a partial sweep has both).
struct SeedRange {
  std::size_t fewest = 0, most = 0;
};
SeedRange seed_range(const Grid& g, const std::string& col) {
  SeedRange range;
  bool first = true;
  for (const auto& r : g.rows) {
    const Cell* c = g.find(r, col);
    if (!c) continue;
    const std::size_t n = c->best().runs.size();
    range.fewest = first ? n : std::min(range.fewest, n);
    range.most = std::max(range.most, n);
    first = false;
  }
  return range;
}

std::string seeds_text(SeedRange seeds) {
  if (seeds.most <= 1) return "1 seed";
  if (seeds.fewest == seeds.most) return fmt::format("mean of {} seeds, band ±1 std", seeds.most);
  return fmt::format("mean of {}-{} seeds (each line over its runs), band ±1 std", seeds.fewest, seeds.most);
}

std::string subtitle(const std::string& title, const std::string& seeds) {
  return title.empty() ? seeds : title + " · " + seeds;
}

struct PlotSet {
  std::string heading;
  std::vector<Plot> plots;
};

PlotSet accuracy_plots(const Grid& g, const std::string& title) {
  PlotSet set{"Test accuracy per epoch", {}};
  for (const auto& col : g.cols) {
    Plot p;
    p.name = "accuracy_" + file_part(col);
    p.title = fmt::format("{} — test accuracy per epoch", col);
    p.subtitle = subtitle(title, seeds_text(seed_range(g, col)));
    p.xlabel = "epoch";
    p.ylabel = "test accuracy [%]";
    p.y_min = 0;
    p.y_max = 100;
    for (std::size_t i = 0; i < g.rows.size(); ++i) {
      const Cell* c = g.find(g.rows[i], col);
      if (!c) continue;
      Series s;
      s.title = g.rows[i];
      s.color = static_cast<int>(i);
      epoch_curve(c->best().runs, [](const EpochScores& e) { return e.test.accuracy; }, s);
      p.series.push_back(std::move(s));
    }
    set.plots.push_back(std::move(p));
  }
  return set;
}

PlotSet error_plots(const Grid& g, const std::string& title) {
  PlotSet set{"P-class and N-class test error per epoch (Fig. 2)", {}};
  for (const auto& col : g.cols) {
    Plot p;
    p.name = "error_" + file_part(col);
    p.title = fmt::format("{} — test error of the P class (solid) and the N class (dashed)", col);
    p.subtitle = subtitle(title, seeds_text(seed_range(g, col)));
    p.xlabel = "epoch";
    p.ylabel = "test error [%]";
    p.y_min = 0;
    p.y_max = 100;
    for (std::size_t i = 0; i < g.rows.size(); ++i) {
      const Cell* c = g.find(g.rows[i], col);
      if (!c) continue;
      Series sp, sn;
      sp.title = g.rows[i] + " P-class";
      sn.title = g.rows[i] + " N-class";
      sp.color = sn.color = static_cast<int>(i);
      sn.dashed = true;
      epoch_curve(c->best().runs, [](const EpochScores& e) { return e.test.error_p; }, sp);
      epoch_curve(c->best().runs, [](const EpochScores& e) { return e.test.error_n; }, sn);
      p.series.push_back(std::move(sp));
      p.series.push_back(std::move(sn));
    }
    set.plots.push_back(std::move(p));
  }
  return set;
}

PlotSet alpha_plots(const Runs& runs, const Grid& g, const ReportOptions& o, std::vector<std::string>& warnings) {
  PlotSet set{"Gradient-penalty strength α (Fig. 4)", {}};
  for (const auto& col : g.cols) {
    Runs in_col;
    for (const RunResult* r : runs)
      if (column_of(*r, g.row_key, g.col_key) == col && r->value(o.alpha_key)) in_col.push_back(r);
    if (in_col.empty()) continue;
    const Grid ga = build_grid(in_col, o.alpha_key, g.row_key, o.select_by);
    Plot p;
    p.name = "alpha_" + file_part(col);
    p.xlabel = "epoch";
    p.ylabel = "test accuracy [%]";
    p.y_min = 0;
    p.y_max = 100;
    std::size_t seeds = 0;
    int colour = 0;
    for (const auto& alpha : ga.rows) {
      for (const auto& row : ga.cols) {
        const Cell* c = ga.find(alpha, row);
        if (!c) continue;
        seeds = std::max(seeds, c->best().runs.size());
        const std::string value = normalize_number(c->best().runs.front()->value(o.alpha_key).value_or("?"));
        Series s;
        s.title = ga.cols.size() > 1 ? fmt::format("{}, α = {}", row, value) : fmt::format("α = {}", value);
        s.color = colour++;
        epoch_curve(c->best().runs, [](const EpochScores& e) { return e.test.accuracy; }, s);
        p.series.push_back(std::move(s));
      }
    }
    p.title = fmt::format("{} — test accuracy per epoch by gradient-penalty strength α", col);
    p.subtitle = subtitle(o.title, seeds_text({seeds, seeds}));
    set.plots.push_back(std::move(p));
  }
  if (set.plots.empty()) warnings.push_back("--plot alpha: no run has " + o.alpha_key + "; no α plot");
  return set;
}

// One method's test accuracy at `reading` against n_p (the rows of gn), mean and std over the seeds
// of each cell's chosen setting, in increasing n_p; `seeds` grows to the most seeds of a point.
Series np_line(const Grid& gn, const std::string& method, SelectBy reading, const std::string& np_key,
               std::size_t& seeds) {
  std::vector<std::pair<double, Summary>> points;
  for (const auto& n : gn.rows) {
    const Cell* c = gn.find(n, method);
    if (!c) continue;
    std::vector<double> acc;
    for (const RunResult* r : c->best().runs) acc.push_back(100.0 * picked_reading(*r, reading).test.accuracy);
    seeds = std::max(seeds, acc.size());
    points.emplace_back(std::stod(c->best().runs.front()->value(np_key).value_or("0")), summarize(acc));
  }
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Series s;
  for (const auto& [x, m] : points) {
    s.x.push_back(x);
    s.y.push_back(m.mean);
    s.err.push_back(m.std);
  }
  return s;
}

// Fig. 5: per data set, accuracy against n_p, one colour per method; the table's second reading
// (best-validation) solid and the last epoch dashed, since at small n_p the two can differ by points.
PlotSet np_plots(const Runs& runs, const Grid& g, const ReportOptions& o, std::vector<std::string>& warnings) {
  PlotSet set{"Accuracy vs number of labeled positives n_p (Fig. 5)", {}};
  const std::string np_key = "config.split.n_labeled";
  std::map<std::string, Runs> by_dataset;
  for (const RunResult* r : runs)
    if (r->value(np_key)) by_dataset[r->value("config.dataset.name").value_or("?")].push_back(r);
  const SelectBy second = second_reading(o.select_by);
  for (const auto& [dataset, members] : by_dataset) {
    const Grid gn = build_grid(members, np_key, g.row_key, o.select_by);
    Plot p;
    p.name = "np_" + file_part(dataset);
    p.xlabel = "labeled positives n_p";
    p.ylabel = "test accuracy [%]";
    p.y_min = 0;
    p.y_max = 100;
    p.error_bars = true;
    p.log2_x = true;
    std::size_t seeds = 0;
    std::vector<std::string> methods = gn.cols;
    reorder(methods, g.rows);
    for (const std::string& method : methods) {
      const int color = static_cast<int>(std::find(g.rows.begin(), g.rows.end(), method) - g.rows.begin());
      for (const SelectBy reading : {second, SelectBy::Last}) {
        Series s = np_line(gn, method, reading, np_key, seeds);
        s.title = method + " (" + (reading == SelectBy::Last ? std::string("last") : second_reading_label(o.select_by)) + ")";
        s.color = color;
        s.dashed = reading == SelectBy::Last;
        p.series.push_back(std::move(s));
      }
    }
    p.title = fmt::format("{} — test accuracy vs n_p ({}: solid, last epoch: dashed)", dataset,
                          second_reading_label(o.select_by));
    p.subtitle = subtitle(o.title, seeds > 1 ? fmt::format("mean of {} seeds, error bars ±1 std", seeds) : "1 seed");
    if (gn.rows.size() < 2) warnings.push_back("--plot np: " + dataset + " has runs for one n_labeled only");
    set.plots.push_back(std::move(p));
  }
  return set;
}

}  // namespace

ReportOutcome make_report(const ReportOptions& o) {
  if (o.dirs.empty()) throw Error("report: give one or more result folders");
  for (const auto& k : o.plots) {
    if (std::find(plot_kinds().begin(), plot_kinds().end(), k) == plot_kinds().end()) {
      throw Error("--plot " + k + ": unknown plot (alpha, np, c or all; accuracy and error are always drawn)");
    }
  }
  if (const std::string problem = path_kind_problem(o.out, PathKind::Folder, false); !o.out.empty() && !problem.empty()) {
    throw Error("--out " + o.out.string() + ": " + problem + " (the report's folder)");
  }
  if (const std::string problem = path_kind_problem(o.paper, PathKind::File); !o.paper.empty() && !problem.empty()) {
    throw Error("--paper " + o.paper.string() + ": " + problem);
  }
  ReportOutcome out;
  const ResultsIndex index = load_results(o.dirs);
  out.finished = index.runs.size();
  out.failed = index.failed.size();
  for (const auto& u : index.unreadable) out.warnings.push_back("unreadable result file " + u);
  if (index.runs.empty()) {
    std::string where;
    for (const auto& d : o.dirs) where += (where.empty() ? "" : ", ") + d.string();
    // Name the unreadable files: they may be why nothing is found.
    std::string unreadable;
    for (std::size_t i = 0; i < index.unreadable.size() && i < 3; ++i) unreadable += "; " + index.unreadable[i];
    if (index.unreadable.size() > 3) unreadable += fmt::format("; and {} more", index.unreadable.size() - 3);
    throw Error(fmt::format("no finished run below {} ({} failed, {} unreadable result file{}{})", where,
                            index.failed.size(), index.unreadable.size(), index.unreadable.size() == 1 ? "" : "s",
                            unreadable));
  }
  Runs all_runs;
  for (const auto& r : index.runs) all_runs.push_back(&r);
  // A PU criterion selects among the runs that record it (an older file is an error naming it).
  const Runs runs = runs_selectable_by(all_runs, o.select_by, out.warnings);
  if (runs.empty()) {  // only --select-by pu_risk leaves runs out
    throw Error(fmt::format("--select-by {}: no run records the {} (each run's risk reads per-sample state or U's "
                            "labels, so it cannot be evaluated on validation); select by val, last, pu_auc, pa or "
                            "lee_liu",
                            option_name(o.select_by), to_string(o.select_by)));
  }

  const bool any_compose = std::any_of(runs.begin(), runs.end(), [](const RunResult* r) { return r->sweep.count("compose"); });
  // Defaults: the experiment files' own [report] labels when they give them (the paper files do,
  // so their reports line up with the paper's tables), else the composed method and the experiment.
  auto all_have = [&](const char* key) {
    return std::all_of(runs.begin(), runs.end(), [&](const RunResult* r) {
      const auto v = r->value(key);
      return v && !v->empty();
    });
  };
  const std::string row_key = !o.rows.empty()       ? o.rows
                              : all_have("report.row") ? "report.row"
                              : any_compose           ? "compose"
                                                      : "experiment";
  const std::string col_key = !o.cols.empty() ? o.cols : all_have("report.column") ? "report.column" : "experiment";
  Grid grid = build_grid(runs, row_key, col_key, o.select_by);

  PaperNumbers paper;
  const bool have_paper = !o.paper.empty();
  if (have_paper) {
    paper = load_paper_numbers(o.paper);
    if (!o.paper_table.empty() && !paper.table(o.paper_table)) {
      std::string ids;
      for (const auto& t : paper.tables) ids += (ids.empty() ? "" : ", ") + t.id;
      throw Error("--paper-table " + o.paper_table + ": not in " + o.paper.string() + " (tables: " + ids + ")");
    }
    reorder(grid.rows, paper.row_order());
    reorder(grid.cols, paper.col_order());
  } else if (!o.paper_table.empty()) {
    throw Error("--paper-table needs --paper FILE");
  } else if (o.paper_summary) {
    throw Error("--paper-summary needs --paper FILE (e.g. experiments/paper/paper_numbers.toml)");
  }

  std::vector<std::string> experiments;
  for (const RunResult* r : runs)
    if (std::find(experiments.begin(), experiments.end(), r->experiment) == experiments.end())
      experiments.push_back(r->experiment);
  std::string title = o.title;
  if (title.empty()) {
    for (const auto& e : experiments) title += (title.empty() ? "" : ", ") + e;
  }
  // Default: next to the first input (beside it when that is a result file itself).
  const fs::path first = fs::is_directory(o.dirs.front()) ? o.dirs.front() : o.dirs.front().parent_path();
  const fs::path out_dir = o.out.empty() ? first / "report" : o.out;
  const fs::path plot_dir = out_dir / "plots";

  // The table.
  TableOptions topt;
  topt.digits = o.digits;
  topt.paper = have_paper ? &paper : nullptr;
  topt.paper_table = o.paper_table;
  topt.select_by = o.select_by;
  const TableText table = accuracy_table(grid, topt);

  std::string md = fmt::format("# {}\n\n", o.title.empty() ? "pulab report: " + title : title);
  std::string sources;
  for (const auto& d : o.dirs) sources += (sources.empty() ? "`" : ", `") + d.string() + "`";
  md += fmt::format("{} finished run{} from {}{}.\n\n", all_runs.size(), all_runs.size() == 1 ? "" : "s", sources,
                    index.failed.empty() ? "" : fmt::format("; {} failed (listed below)", index.failed.size()));
  md += "## Test accuracy [%]\n\n";
  if (is_pu_criterion(o.select_by)) {
    md += fmt::format(
        "Rows: `{}`; columns: `{}`. *last*: test accuracy at the last epoch; *by {}*: at the epoch of {} {} "
        "(PU-only: no true label of validation U is read); mean ± sample std over seeds (n = number of "
        "seeds). Where a cell has several hyper-parameter settings, the one with the {} mean {} at that epoch is "
        "reported — never chosen by test accuracy.{}\n\n",
        row_key, col_key, short_label(o.select_by), lower_is_better(o.select_by) ? "lowest" : "highest",
        to_string(o.select_by), lower_is_better(o.select_by) ? "lowest" : "highest", to_string(o.select_by),
        have_paper ? " *paper*: the published number." : "");
  } else {
    md += fmt::format(
        "Rows: `{}`; columns: `{}`. *last*: test accuracy at the last epoch; *best-val*: at the epoch of highest "
        "validation accuracy; mean ± sample std over seeds (n = number of seeds). Where a cell has several "
        "hyper-parameter settings, the one with the highest mean validation accuracy ({}) is reported — never "
        "chosen by test accuracy.{}\n\n",
        row_key, col_key, to_string(o.select_by), have_paper ? " *paper*: the published number." : "");
  }
  md += table.markdown;
  if (!table.notes.empty()) {
    md += "\nNotes:\n\n";
    for (const auto& n : table.notes) md += "- " + n + "\n";
  }

  if (o.paper_summary) md += paper_summary_section(compare_with_paper(runs, paper, o.select_by), paper, o.select_by, o.digits);

  if (o.leaderboard) {
    std::vector<const RunResult*> failed;
    for (const auto& r : index.failed) failed.push_back(&r);
    md += leaderboard_section(grid, failed, o.select_by, o.digits, o.rank_by);
  }

  if (o.selection) {  // every run, whatever --select-by left out of the table above
    Grid layout = build_grid(all_runs, row_key, col_key, SelectBy::BestVal);
    if (have_paper) {
      reorder(layout.rows, paper.row_order());
      reorder(layout.cols, paper.col_order());
    }
    md += selection_section(all_runs, layout, o.digits);
  }

  // The plots.
  if (!o.plots.empty()) {
    std::vector<PlotSet> sets;
    if (o.plots.count("accuracy")) sets.push_back(accuracy_plots(grid, o.title));
    if (o.plots.count("error")) sets.push_back(error_plots(grid, o.title));
    if (o.plots.count("alpha")) sets.push_back(alpha_plots(runs, grid, o, out.warnings));
    if (o.plots.count("np")) sets.push_back(np_plots(runs, grid, o, out.warnings));
    if (o.plots.count("c")) {
      sets.push_back({"Accuracy vs label frequency c", label_frequency_plots(runs, grid, o.select_by, o.title, out.warnings)});
    }
    const bool gnuplot = gnuplot_available();
    if (!gnuplot) {
      out.warnings.push_back(fmt::format(
          "gnuplot not found ('{}'): no images drawn; the tables are complete and each plot's data and script are in "
          "{} (install gnuplot, e.g. apt-get install gnuplot-nox, and run `gnuplot NAME.gp` there or rerun the report)",
          gnuplot_command(), plot_dir.string()));
    }
    md += "\n## Plots\n";
    for (const auto& set : sets) {
      if (set.plots.empty()) continue;
      md += "\n### " + set.heading + "\n\n";
      for (const auto& p : set.plots) {
        const Rendered r = render_plot(p, plot_dir, gnuplot);
        if (!r.error.empty()) out.warnings.push_back(r.error);
        out.images.insert(out.images.end(), r.images.begin(), r.images.end());
        if (gnuplot && r.error.empty()) {
          md += fmt::format("![{}](plots/{}.png)\n[SVG](plots/{}.svg) · [data](plots/{}.dat) · [script](plots/{}.gp)\n\n",
                            p.title, p.name, p.name, p.name, p.name);
        } else {
          md += fmt::format("- {}: not drawn; data `plots/{}.dat`, script `plots/{}.gp`\n", p.title, p.name, p.name);
        }
      }
    }
  }

  md += collapse_section(collapsed_runs(all_runs), all_runs.size());

  if (!index.failed.empty()) {
    md += "\n## Failed runs (not in the tables)\n\n";
    for (const auto& r : index.failed) {
      std::string error = r.error.empty() ? "(no message)" : r.error;
      std::replace(error.begin(), error.end(), '\n', ' ');
      md += fmt::format("- `{}/{}` ({}): {} — `{}`\n", r.experiment, r.run_id, r.status.empty() ? "no status" : r.status,
                        error, r.file.string());
    }
  }
  if (!out.warnings.empty()) {
    md += "\n## Warnings\n\n";
    for (const auto& w : out.warnings) md += "- " + w + "\n";
  }

  fs::create_directories(out_dir);
  out.markdown_file = out_dir / "report.md";
  std::ofstream(out.markdown_file) << md;
  out.markdown = md;
  return out;
}

}  // namespace pulab::report
