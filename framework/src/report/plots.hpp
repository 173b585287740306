#pragma once
// `pulab report`, part 4: line plots rendered by gnuplot. Each plot is written as a data file
// (NAME.dat, one block per series), a script (NAME.gp, runnable by hand: `gnuplot NAME.gp`) and
// the images NAME.png (pngcairo, 900x600) and NAME.svg.
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace pulab::report {

struct Series {
  std::string title;
  std::vector<double> x, y;
  std::vector<double> err;  // empty, or one value per point (drawn as a band or error bars)
  int color = 0;            // index into the palette
  bool dashed = false;
};

struct Plot {
  std::string name;  // file stem
  std::string title, xlabel, ylabel;
  std::string subtitle;  // a smaller second title line (seeds, what the band means)
  std::vector<Series> series;
  bool error_bars = false;  // err as error bars (else as a translucent band)
  bool log2_x = false;      // x on a log2 axis, tics at the data's x values
  // The metric's range (e.g. 0 and 100 for a percentage), when it has one: bands and error bars
  // are clipped to it and the y axis never extends past it (a ±std band does not draw "-3 %").
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
};

// The gnuplot executable: $PULAB_GNUPLOT, else "gnuplot".
std::string gnuplot_command();
// True when the executable runs (`gnuplot --version`).
bool gnuplot_available();

// The data file and script of a plot (exposed for tests).
std::string plot_data(const Plot& plot);
std::string plot_script(const Plot& plot);

struct Rendered {
  std::vector<std::filesystem::path> images;  // the PNG and SVG written
  std::string error;                          // "" when gnuplot succeeded
};

// Writes NAME.dat and NAME.gp into `dir` and runs gnuplot there (unless `run` is false).
Rendered render_plot(const Plot& plot, const std::filesystem::path& dir, bool run = true);

// A label turned into a file-name part: letters, digits, '-', '_' and '.'; others become '_'.
std::string file_part(const std::string& label);

}  // namespace pulab::report
