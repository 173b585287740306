#include "report/table.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace pulab::report {

namespace {

// Width in code points (UTF-8 continuation bytes do not count): "±" is one column.
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string pad(const std::string& s, std::size_t w) { return s + std::string(w > width(s) ? w - width(s) : 0, ' '); }

// Test accuracy of a setting's seeds at the epoch `by` picks.
Summary test_accuracy(const Setting& s, SelectBy by) {
  std::vector<double> v;
  for (const RunResult* r : s.runs) v.push_back(picked_reading(*r, by).test.accuracy);
  return summarize(v);
}

}  // namespace

std::string markdown_escape(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

SelectBy second_reading(SelectBy by) { return is_pu_criterion(by) ? by : SelectBy::BestVal; }

std::string second_reading_label(SelectBy by) {
  return is_pu_criterion(by) ? std::string("by ") + short_label(by) : std::string("best-val");
}

namespace {

// A cell's text with its '|' escaped, so that a label such as "report.row|compose" stays one cell.
std::string escape_cell(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::string markdown(const std::vector<std::string>& raw_header, const std::vector<std::vector<std::string>>& raw_rows) {
  std::vector<std::string> header;
  for (const auto& h : raw_header) header.push_back(escape_cell(h));
  std::vector<std::vector<std::string>> rows;
  for (const auto& raw : raw_rows) {
    rows.emplace_back();
    for (const auto& cell : raw) rows.back().push_back(escape_cell(cell));
  }
  std::vector<std::size_t> w(header.size(), 3);
  for (std::size_t c = 0; c < header.size(); ++c) w[c] = std::max(w[c], width(header[c]));
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], width(r[c]));
  std::string out = "|";
  for (std::size_t c = 0; c < header.size(); ++c) out += " " + pad(header[c], w[c]) + " |";
  out += "\n|";
  for (std::size_t c = 0; c < header.size(); ++c) out += (c == 0 ? " :" : " ") + std::string(w[c] - 1, '-') + (c == 0 ? " |" : ": |");
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (std::size_t c = 0; c < header.size(); ++c) out += " " + pad(c < r.size() ? r[c] : "", w[c]) + " |";
    out += "\n";
  }
  return out;
}

TableText accuracy_table(const Grid& grid, const TableOptions& o) {
  TableText out;

  // Paper numbers per cell: from --paper-table, else from the table covering most of our cells
  // that has this cell.
  std::map<std::pair<std::string, std::string>, std::vector<const PaperCell*>> paper;
  std::set<std::string> tables_used;
  if (o.paper) {
    std::vector<std::pair<std::string, std::string>> present;
    for (const auto& r : grid.rows)
      for (const auto& c : grid.cols) present.emplace_back(r, c);
    const std::vector<std::string> ranked =
        o.paper_table.empty() ? o.paper->rank_tables(present) : std::vector<std::string>{o.paper_table};
    for (const auto& key : present) {
      for (const auto& id : ranked) {
        auto cells = o.paper->lookup(key.first, key.second, id);
        if (cells.empty()) continue;
        paper[key] = cells;
        tables_used.insert(id);
        break;
      }
    }
  }

  std::vector<std::string> header{grid.row_key};
  std::vector<bool> col_has_paper;
  for (const auto& c : grid.cols) {
    bool any = false;
    for (const auto& r : grid.rows) any = any || paper.count({r, c});
    col_has_paper.push_back(any);
    header.push_back(markdown_escape(c) + " last");
    header.push_back(markdown_escape(c) + " " + second_reading_label(o.select_by));
    if (any) header.push_back(markdown_escape(c) + " paper");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : grid.rows) {
    std::vector<std::string> line{markdown_escape(r)};
    for (std::size_t ci = 0; ci < grid.cols.size(); ++ci) {
      const auto& c = grid.cols[ci];
      if (const Cell* cell = grid.find(r, c)) {
        line.push_back(format_summary(test_accuracy(cell->best(), SelectBy::Last), o.digits));
        line.push_back(format_summary(test_accuracy(cell->best(), second_reading(o.select_by)), o.digits));
      } else {
        line.push_back("–");
        line.push_back("–");
      }
      if (col_has_paper[ci]) {
        auto it = paper.find({r, c});
        line.push_back(it == paper.end() ? "–" : format_paper(it->second));
      }
    }
    rows.push_back(line);
  }
  out.markdown = markdown(header, rows);

  // Notes: the settings chosen by validation accuracy, then where the paper numbers come from.
  for (const auto& r : grid.rows) {
    for (const auto& c : grid.cols) {
      const Cell* cell = grid.find(r, c);
      if (!cell) continue;
      if (cell->settings.size() > 1) {
        std::string others;
        for (std::size_t i = 0; i < cell->settings.size(); ++i) {
          if (i == cell->chosen) continue;
          const auto& s = cell->settings[i];
          others += fmt::format("{}`{}` {}", others.empty() ? "" : "; ", s.name, value_text(o.select_by, s.val, o.digits + 1));
        }
        bool tie = false;
        for (std::size_t i = 0; i < cell->settings.size(); ++i)
          tie = tie || (i != cell->chosen && cell->settings[i].val.mean == cell->best().val.mean);
        out.notes.push_back(fmt::format("{} / {}: chose `{}` ({}) over {}{}", r, c, cell->best().name,
                                        score_text(o.select_by, cell->best().val, o.digits + 1), others,
                                        tie ? " (a tie, broken by the order of the settings)" : ""));
      }
      std::map<std::int64_t, int> seeds;
      for (const RunResult* run : cell->best().runs) ++seeds[run->seed];
      for (const auto& [seed, n] : seeds) {
        if (n > 1) {
          out.notes.push_back(fmt::format("{} / {}: {} runs share seed {} (the same results loaded twice?); "
                                          "they are counted as separate seeds", r, c, n, seed));
        }
      }
    }
  }
  for (const auto& id : tables_used) {
    const PaperTable* t = o.paper->table(id);
    out.notes.push_back(fmt::format("paper: {}{}", t ? t->label : id, t && !t->caption.empty() ? " — " + t->caption : ""));
  }
  return out;
}

}  // namespace pulab::report
