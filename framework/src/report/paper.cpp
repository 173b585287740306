#include "report/paper.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "path_kind.hpp"
#include "pulab/error.hpp"

namespace pulab::report {
namespace fs = std::filesystem;

namespace {

std::string where(const toml::node& n, const std::string& source) {
  const auto& s = n.source();
  if (!s.begin) return source;
  return fmt::format("{}:{}:{}", source, s.begin.line, s.begin.column);
}

std::string need_string(const toml::table& t, const char* key, const std::string& source) {
  const auto* v = t.get(key);
  if (!v || !v->is_string()) throw Error(where(t, source) + ": needs " + key + " = \"...\"");
  return v->as_string()->get();
}

double need_number(const toml::table& t, const char* key, const std::string& source) {
  const auto* v = t.get(key);
  if (!v) throw Error(where(t, source) + ": needs " + key + " = <number>");
  if (auto d = v->value<double>()) return *d;
  throw Error(where(*v, source) + ": " + key + " must be a number");
}

PaperCell read_cell(const toml::table& t, const std::string& table_id, const std::string& source) {
  PaperCell c;
  c.table = table_id;
  c.row = need_string(t, "row", source);
  c.col = need_string(t, "col", source);
  c.mean = need_number(t, "mean", source);
  if (t.get("std")) c.std = need_number(t, "std", source);
  if (const auto* r = t.get("reading")) {
    if (!r->is_string()) throw Error(where(*r, source) + ": reading must be \"best\" or \"last\"");
    c.reading = r->as_string()->get();
    if (c.reading != "best" && c.reading != "last") {
      throw Error(where(*r, source) + ": reading must be \"best\" or \"last\", not \"" + c.reading + "\"");
    }
  }
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (key != "row" && key != "col" && key != "mean" && key != "std" && key != "reading" && key != "source" &&
        key != "table") {
      throw Error(where(v, source) + ": unknown key '" + key + "' in a paper cell");
    }
  }
  return c;
}

std::map<std::string, std::string> read_names(const toml::table& t, const char* key, const std::string& source) {
  std::map<std::string, std::string> out;
  const auto* v = t.get(key);
  if (!v) return out;
  if (!v->is_table()) throw Error(where(*v, source) + ": " + key + " must be a table of label = \"paper wording\"");
  for (const auto& [k, name] : *v->as_table()) {
    if (!name.is_string()) throw Error(where(name, source) + ": " + key + " values must be strings");
    out[std::string(k.str())] = name.as_string()->get();
  }
  return out;
}

std::string fmt_number(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

PaperNumbers parse_paper_numbers(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& s = e.source();
    throw Error(fmt::format("{}:{}:{}: {}", source, s.begin.line, s.begin.column, e.description()));
  }
  PaperNumbers out;
  if (const auto* tables = root.get("table")) {
    if (!tables->is_array_of_tables()) throw Error(where(*tables, source) + ": 'table' must be [[table]] entries");
    for (const auto& node : *tables->as_array()) {
      const auto& t = *node.as_table();
      PaperTable table;
      table.id = need_string(t, "id", source);
      if (const auto* l = t.get("label"); l && l->is_string()) table.label = l->as_string()->get();
      if (const auto* c = t.get("caption"); c && c->is_string()) table.caption = c->as_string()->get();
      if (table.label.empty()) table.label = table.id;
      for (const auto& [k, v] : t) {
        const std::string key(k.str());
        if (key != "id" && key != "label" && key != "caption" && key != "rows" && key != "cols" && key != "cells" &&
            key != "row_key" && key != "methods") {
          throw Error(where(v, source) + ": unknown key '" + key +
                      "' in a [[table]] (id, label, caption, rows, cols, row_key, methods, cells)");
        }
      }
      if (const auto* k = t.get("row_key")) {
        if (!k->is_string()) throw Error(where(*k, source) + ": row_key must be a string such as \"weighting.beta_max\"");
        table.row_key = k->as_string()->get();
      }
      if (const auto* m = t.get("methods")) {
        const auto* list = m->as_array();
        if (!list) throw Error(where(*m, source) + ": methods must be a list of method names such as [\"gradpu\"]");
        for (const auto& name : *list) {
          if (!name.is_string()) throw Error(where(name, source) + ": methods must be a list of strings");
          table.methods.push_back(name.as_string()->get());
        }
      }
      table.row_names = read_names(t, "rows", source);
      table.col_names = read_names(t, "cols", source);
      if (const auto* cells = t.get("cells")) {
        if (!cells->is_array()) throw Error(where(*cells, source) + ": cells must be an array of { row, col, mean, std }");
        for (const auto& c : *cells->as_array()) {
          if (!c.is_table()) throw Error(where(c, source) + ": each cell must be { row = ..., col = ..., mean = ... }");
          out.cells.push_back(read_cell(*c.as_table(), table.id, source));
        }
      }
      out.tables.push_back(std::move(table));
    }
  }
  if (const auto* cells = root.get("cell")) {
    if (!cells->is_array_of_tables()) throw Error(where(*cells, source) + ": 'cell' must be [[cell]] entries");
    for (const auto& node : *cells->as_array()) {
      const auto& t = *node.as_table();
      std::string id = "paper";
      if (const auto* s = t.get("table"); s && s->is_string()) id = s->as_string()->get();
      else if (const auto* s2 = t.get("source"); s2 && s2->is_string()) id = s2->as_string()->get();
      if (!out.table(id)) {
        PaperTable table;
        table.id = id;
        table.label = id;
        out.tables.push_back(table);
      }
      out.cells.push_back(read_cell(t, id, source));
    }
  }
  return out;
}

PaperNumbers load_paper_numbers(const fs::path& file) {
  if (const std::string problem = path_kind_problem(file, PathKind::File); !problem.empty()) {
    throw Error("--paper " + file.string() + ": " + problem);
  }
  std::ifstream in(file);
  if (!in) throw Error(file.string() + ": cannot read the paper numbers");
  std::stringstream text;
  text << in.rdbuf();
  return parse_paper_numbers(text.str(), file.string());
}

const PaperTable* PaperNumbers::table(const std::string& id) const {
  for (const auto& t : tables)
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<const PaperCell*> PaperNumbers::lookup(const std::string& row, const std::string& col,
                                                   const std::string& table_id) const {
  std::vector<const PaperCell*> out;
  for (const auto& c : cells) {
    if (c.row == row && c.col == col && (table_id.empty() || c.table == table_id)) out.push_back(&c);
  }
  return out;
}

std::vector<std::string> PaperNumbers::row_order() const {
  std::vector<std::string> out;
  for (const auto& c : cells)
    if (std::find(out.begin(), out.end(), c.row) == out.end()) out.push_back(c.row);
  return out;
}

std::vector<std::string> PaperNumbers::col_order() const {
  std::vector<std::string> out;
  for (const auto& c : cells)
    if (std::find(out.begin(), out.end(), c.col) == out.end()) out.push_back(c.col);
  return out;
}

std::vector<std::string> PaperNumbers::rank_tables(const std::vector<std::pair<std::string, std::string>>& present) const {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& t : tables) {
    int n = 0;
    for (const auto& [row, col] : present) n += lookup(row, col, t.id).empty() ? 0 : 1;
    counts.emplace_back(t.id, n);
  }
  std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> out;
  for (const auto& [id, n] : counts) out.push_back(id);
  return out;
}

std::string format_paper(const std::vector<const PaperCell*>& cells) {
  std::string out;
  for (const PaperCell* c : cells) {
    std::string one = fmt_number(c->mean);
    if (c->std >= 0) one += " ± " + fmt_number(c->std);
    if (!c->reading.empty()) one = c->reading + " " + one;
    out += (out.empty() ? "" : " / ") + one;
  }
  return out.empty() ? "–" : out;
}

}  // namespace pulab::report
