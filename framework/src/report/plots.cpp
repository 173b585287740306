#include "report/plots.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace pulab::report {
namespace fs = std::filesystem;

namespace {

// Colour-blind-safe qualitative palette (Okabe-Ito, then Tableau for more series).
const char* const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                "#000000", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD"};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
// Marker shapes cycled with the colours, so lines stay apart in grey print.
const int kPoints[] = {7, 5, 9, 11, 13, 15, 6, 4, 8, 10, 12, 14};

// A gnuplot single-quoted string: no escapes except '' for a quote.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out + "'";
}

// A gnuplot double-quoted string: backslash escapes, "\n" starts a new line.
std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

bool has_err(const Series& s) {
  return !s.err.empty() && std::any_of(s.err.begin(), s.err.end(), [](double e) { return e > 0; });
}

// Splits text into lines of at most `width` code points, at spaces.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line, word;
  auto length = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
  };
  std::istringstream in(text);
  while (in >> word) {
    if (!line.empty() && length(line) + 1 + length(word) > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "NaN"; }

}  // namespace

std::string file_part(const std::string& label) {
  std::string out;
  for (char c : label) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  }
  return out.empty() ? "x" : out;
}

std::string gnuplot_command() {
  const char* env = std::getenv("PULAB_GNUPLOT");
  return env && *env ? env : "gnuplot";
}

bool gnuplot_available() {
  const std::string cmd = shell_quoted(gnuplot_command()) + " --version >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

std::string plot_data(const Plot& plot) {
  std::string out = fmt::format("# {} -- data of {}.gp; one block per series (gnuplot: index N)\n", plot.title, plot.name);
  for (const auto& s : plot.series) {
    if (s.x.empty()) continue;
    out += fmt::format("# {}\n# {}\t{}\t{}\n", s.title, plot.xlabel, plot.ylabel, "std");
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const double e = i < s.err.size() ? s.err[i] : 0.0;
      out += fmt::format("{}\t{}\t{}\n", number(s.x[i]), number(s.y[i]), number(e));
    }
    out += "\n\n";
  }
  return out;
}

std::string plot_script(const Plot& plot) {
  std::ostringstream gp;
  const std::string dat = plot.name + ".dat";
  std::size_t most_points = 0;
  for (const auto& s : plot.series) most_points = std::max(most_points, s.x.size());
  gp << "# Written by `pulab report`; rerun with: gnuplot " << plot.name << ".gp\n"
     << "set encoding utf8\n"
     << "unset title\n";
  // The title as labels centred on the canvas (a gnuplot title centres on the plot area, which
  // the legend on the right pushes left), wrapped so that no line is cut off.
  std::vector<std::pair<std::string, int>> title_lines;
  for (const auto& l : wrap(plot.title, 90)) title_lines.emplace_back(l, 13);
  for (const auto& l : wrap(plot.subtitle, 110)) title_lines.emplace_back(l, 11);
  double y = 0.97;
  for (std::size_t i = 0; i < title_lines.size(); ++i) {
    gp << "set label " << 100 + i << " " << double_quoted(title_lines[i].first) << " at screen 0.5, screen " << y
       << " center font '," << title_lines[i].second << "'\n";
    y -= title_lines[i].second == 13 ? 0.038 : 0.033;
  }
  gp << "set tmargin at screen " << std::min(0.90, y - 0.015) << "\n"
     << "set xlabel " << quoted(plot.xlabel) << " font ',12'\n"
     << "set ylabel " << quoted(plot.ylabel) << " font ',12'\n"
     << "set grid back lc rgb '#dddddd' lw 1 dt 1\n"
     << "set border 3 lw 1.2\nset tics nomirror out\n"
     // The legend sits right of the plot area, never over the lines.
     << "set key outside right top vertical Left reverse samplen 3 spacing 1.2 width 1 box lc rgb '#bbbbbb'\n"
     << "set lmargin 10\n"
     << "set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05\n"
     << "set style fill transparent solid 0.15 noborder\n"
     << "set autoscale xfix\n";
  if (plot.log2_x) {
    std::set<double> xs;
    for (const auto& s : plot.series) xs.insert(s.x.begin(), s.x.end());
    gp << "set logscale x 2\nset xtics (";
    bool first = true;
    double last_labeled = 0;
    for (double x : xs) {
      // Values closer than 0.15 decade to the last labeled one (PU-Bench's c grid: 0.09 and 0.1,
      // 0.6 to 0.9) would print over each other: they get a tick without a label.
      const bool labeled = first || std::log10(x / last_labeled) >= 0.15;
      gp << (first ? "" : ", ") << quoted(labeled ? number(x) : "") << " " << number(x);
      if (labeled) last_labeled = x;
      first = false;
    }
    gp << ")\n";
  } else if (most_points <= 12) {
    gp << "set xtics 1\n";
  }
  if (!plot.log2_x && most_points > 12) gp << "set mxtics\n";
  // The metric's range: the axis autoscales inside it, bands and error bars are clipped to it.
  const bool has_min = std::isfinite(plot.y_min), has_max = std::isfinite(plot.y_max);
  if (has_min || has_max) {
    gp << "set yrange [" << (has_min ? number(plot.y_min) + "<" : "") << "*:*" << (has_max ? "<" + number(plot.y_max) : "")
       << "]\n";
  }
  gp << "clip(v) = " << (has_min ? "v < " + number(plot.y_min) + " ? " + number(plot.y_min) + " : " : "")
     << (has_max ? "v > " + number(plot.y_max) + " ? " + number(plot.y_max) + " : " : "") << "v\n";
  // At most ~15 markers per line however many epochs.
  const std::size_t every = std::max<std::size_t>(1, (most_points + 14) / 15);

  std::vector<std::string> parts;
  int block = 0;
  for (std::size_t i = 0; i < plot.series.size(); ++i) {
    const auto& s = plot.series[i];
    if (s.x.empty()) continue;
    // Beyond the palette (a leaderboard of 19 methods) the colours come round again with the next
    // marker shape and a dash-dot line, so no two series look alike.
    const int index = std::max(0, s.color);
    const int cycle = index / kPaletteSize;
    const std::string colour = kPalette[index % kPaletteSize];
    const int pt = kPoints[(index + cycle) % kPaletteSize] - (s.dashed ? 1 : 0);
    const int dash = s.dashed ? 2 : cycle % 2 == 1 ? 4 : 1;
    const std::string src = quoted(dat) + " index " + std::to_string(block);
    const std::string style = fmt::format("lc rgb '{}' lw 2 dt {} pt {} ps 0.8", colour, dash, pt);
    if (plot.error_bars) {
      parts.push_back(fmt::format("{} using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines {} title {}", src, style,
                                  quoted(s.title)));
    } else {
      if (has_err(s)) {
        parts.push_back(
            fmt::format("{} using 1:(clip($2-$3)):(clip($2+$3)) with filledcurves lc rgb '{}' notitle", src, colour));
      }
      parts.push_back(fmt::format("{} using 1:2 with linespoints {} pi {} title {}", src, style, every, quoted(s.title)));
    }
    ++block;
  }
  std::string plot_cmd = "plot ";
  for (std::size_t i = 0; i < parts.size(); ++i) plot_cmd += (i ? ", \\\n     " : "") + parts[i];
  if (parts.empty()) plot_cmd = "set label 1 'no data' at graph 0.5, graph 0.5 center\nplot [0:1] [0:1] NaN notitle";

  gp << "\nset terminal pngcairo size 900,600 font 'Sans,11' noenhanced background rgb 'white'\n"
     << "set output " << quoted(plot.name + ".png") << "\n"
     << plot_cmd << "\n"
     << "\nset terminal svg size 900,600 font 'Sans,11' noenhanced dynamic background rgb 'white'\n"
     << "set output " << quoted(plot.name + ".svg") << "\n"
     << "replot\nunset output\n";
  return gp.str();
}

Rendered render_plot(const Plot& plot, const fs::path& dir, bool run) {
  Rendered out;
  fs::create_directories(dir);
  {
    std::ofstream(dir / (plot.name + ".dat")) << plot_data(plot);
    std::ofstream(dir / (plot.name + ".gp")) << plot_script(plot);
  }
  if (!run) return out;
  const fs::path log = dir / (plot.name + ".log");
  const std::string cmd = "cd " + shell_quoted(dir.string()) + " && " + shell_quoted(gnuplot_command()) + " " +
                          shell_quoted(plot.name + ".gp") + " >" + shell_quoted(log.filename().string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::string messages;
  {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    messages = text.str();
  }
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    out.error = fmt::format("gnuplot failed on {}: {}", (dir / (plot.name + ".gp")).string(),
                            messages.empty() ? "exit status " + std::to_string(rc) : messages);
    return out;
  }
  if (messages.empty()) fs::remove(log);
  for (const char* ext : {".png", ".svg"}) {
    const fs::path image = dir / (plot.name + ext);
    if (fs::exists(image) && fs::file_size(image) > 0) out.images.push_back(image);
    else out.error = image.string() + ": gnuplot wrote no image";
  }
  return out;
}

}  // namespace pulab::report
