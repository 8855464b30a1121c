#include "report/line_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include <plplot/plstream.h>
#include <unistd.h>

#include "io/atomic_output.h"
#include "io/png_writer.h"
#include "util/errors.h"

namespace due {
namespace {

constexpr const char* kDevice = "pngcairo";
// PLplot keeps global state between streams; one figure at a time.
std::mutex g_plplot_mutex;

// Colour-blind-safe palette (Okabe-Ito), from colour index 2 on; 0 is the white background and 1 black ink.
constexpr int kPalette[][3] = {{0, 114, 178}, {213, 94, 0},  {0, 158, 115}, {204, 121, 167},
                               {230, 159, 0}, {86, 180, 233}, {0, 0, 0},     {120, 120, 120}};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

// Longest tick label before PLplot falls back to a separate exponent label: enough for "0.0025" and "1e+06".
constexpr int kMaxTickDigits = 8;

struct Range {
  double low = 0, high = 0;
};

Range padded(double low, double high, double minimum_span, double pad_fraction) {
  if (high - low < minimum_span) {
    const double middle = (low + high) / 2;
    low = middle - minimum_span / 2;
    high = middle + minimum_span / 2;
  }
  const double pad = (high - low) * pad_fraction;
  return {low - pad, high + pad};
}

double axis_x(const PlotPanel& panel, double x) { return panel.log_x ? std::log10(x) : x; }

void draw_panel(plstream& pls, const PlotPanel& panel) {
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  for (const PlotSeries& s : panel.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      const double error = s.y_error.empty() || !std::isfinite(s.y_error[i]) ? 0.0 : s.y_error[i];
      x_low = std::min(x_low, axis_x(panel, s.x[i]));
      x_high = std::max(x_high, axis_x(panel, s.x[i]));
      y_low = std::min(y_low, s.y[i] - error);
      y_high = std::max(y_high, s.y[i] + error);
    }
  }
  if (!std::isfinite(x_low)) throw InputError("plot '" + panel.title + "' has no finite points");
  const Range xr = padded(x_low, x_high, panel.log_x ? 0.5 : 1e-9, 0.05);
  Range yr = padded(y_low, y_high, 0.05, 0.08);
  // Scores live in [0, 1]: do not draw the axis beyond it unless the data do.
  yr.low = std::max(yr.low, std::min(0.0, y_low));
  yr.high = std::min(yr.high, std::max(1.0, y_high));

  pls.vpor(0.2, 0.95, 0.23, 0.84);  // margins wide enough for tick labels, axis labels and the title
  pls.wind(xr.low, xr.high, yr.low, yr.high);
  // Without a digit limit PLplot writes small ticks as "2" with a separate "x10^-2" above the axis, where the
  // title leaves no room and the page edge clips it; scores in [0, 1] read best as plain decimals ("0.02").
  pls.syax(kMaxTickDigits, 0);
  pls.sxax(kMaxTickDigits, 0);
  pls.col0(1);
  pls.width(1);
  pls.lsty(1);
  pls.box(panel.log_x ? "bcnstl" : "bcnst", 0, 0, "bcnstv", 0, 0);
  pls.lab(panel.x_label.c_str(), panel.y_label.c_str(), panel.title.c_str());
  for (std::size_t k = 0; k < panel.series.size(); ++k) {
    const PlotSeries& s = panel.series[k];
    std::vector<PLFLT> x, y, low, high;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      const double error = s.y_error.empty() || !std::isfinite(s.y_error[i]) ? 0.0 : s.y_error[i];
      x.push_back(axis_x(panel, s.x[i]));
      y.push_back(s.y[i]);
      low.push_back(s.y[i] - error);
      high.push_back(s.y[i] + error);
    }
    pls.col0(2 + static_cast<int>(k % kPaletteSize));
    pls.width(2);
    pls.lsty(1 + static_cast<int>(k / kPaletteSize % 8));
    pls.line(static_cast<PLINT>(x.size()), x.data(), y.data());
    pls.lsty(1);
    pls.width(1);
    pls.poin(static_cast<PLINT>(x.size()), x.data(), y.data(), 17);
    pls.erry(static_cast<PLINT>(x.size()), x.data(), low.data(), high.data());
  }
}

void draw_legend(plstream& pls, const std::vector<PlotSeries>& series) {
  const PLINT n = static_cast<PLINT>(series.size());
  std::vector<PLINT> options(n, PL_LEGEND_LINE), colors(n), styles(n), text_colors(n, 1);
  std::vector<PLFLT> widths(n, 2.0);
  std::vector<const char*> text(n);
  for (PLINT k = 0; k < n; ++k) {
    colors[k] = 2 + k % kPaletteSize;
    styles[k] = 1 + k / kPaletteSize % 8;
    text[k] = series[k].label.c_str();
  }
  pls.vpor(0.02, 0.98, 0.1, 0.9);
  pls.wind(0, 1, 0, 1);
  PLFLT width = 0, height = 0;
  pls.legend(&width, &height, PL_LEGEND_BOUNDING_BOX, PL_POSITION_LEFT | PL_POSITION_TOP | PL_POSITION_INSIDE, 0.0,
             0.0, 0.12, 0, 1, 1, 0, 0, n, options.data(), 0.8, 0.9, 2.0, 0.0, text_colors.data(), text.data(), nullptr,
             nullptr, nullptr, nullptr, colors.data(), styles.data(), widths.data(), nullptr, nullptr, nullptr,
             nullptr);
}

}  // namespace

bool png_plots_available() {
  std::lock_guard<std::mutex> lock(g_plplot_mutex);
  // plgDevs fills caller-owned arrays; `count` goes in as their capacity and comes back as the number of drivers.
  std::vector<const char*> menu(256, nullptr), names(256, nullptr);
  int count = static_cast<int>(names.size());
  const char** menu_data = menu.data();
  const char** names_data = names.data();
  plgDevs(&menu_data, &names_data, &count);
  for (int i = 0; i < count; ++i)
    if (names[i] && std::strcmp(names[i], kDevice) == 0) return true;
  return false;
}

namespace {

// InputError naming `what` when PLplot cannot write PNG here.
void require_png_driver(const std::string& what) {
  if (!png_plots_available())
    throw InputError(what + ": PLplot has no '" + std::string(kDevice) +
                     "' driver; install plplot-driver-cairo (scripts/install-deps.sh)");
}

}  // namespace

void write_line_plots_png(const std::string& path, const std::vector<PlotPanel>& panels, int panel_width, int height) {
  if (panels.empty()) throw InputError(path + ": a figure needs at least one panel");
  require_png_driver(path);
  AtomicOutput output(path);
  // PLplot's cairo driver does not report failed writes (a full disk left a truncated figure): it draws into
  // memory, the atomic writer writes the file.
  output.write_with_library(".png", [&](const std::string& name) {
    std::lock_guard<std::mutex> lock(g_plplot_mutex);
    const int columns = static_cast<int>(panels.size()) + 1;  // the last column holds the legend
    plstream pls;
    pls.sdev(kDevice);
    pls.sfnam(name.c_str());
    pls.spage(0, 0, panel_width * columns, height, 0, 0);
    pls.scmap0n(2 + kPaletteSize);
    pls.scol0(0, 255, 255, 255);
    pls.scol0(1, 0, 0, 0);
    for (int k = 0; k < kPaletteSize; ++k) pls.scol0(2 + k, kPalette[k][0], kPalette[k][1], kPalette[k][2]);
    pls.ssub(columns, 1);
    pls.init();
    pls.schr(0, 0.8);
    for (std::size_t p = 0; p < panels.size(); ++p) {
      pls.adv(static_cast<PLINT>(p + 1));
      draw_panel(pls, panels[p]);
    }
    pls.adv(columns);
    draw_legend(pls, panels.front().series);
  });  // the stream's destructor finishes the PNG
  output.commit();
}

RgbImage text_strip(std::size_t width, std::size_t height, const std::vector<PlacedText>& texts, Rgb background,
                    Rgb ink, double character_scale) {
  require_png_driver("text labels");
  // PLplot writes files only: draw into a private temporary PNG and read it back.
  char name[] = "/tmp/due-text-XXXXXX";
  const int fd = mkstemp(name);
  if (fd < 0) throw InputError("text labels: cannot create a temporary file in /tmp");
  ::close(fd);
  const std::string path = std::string(name) + ".png";
  std::filesystem::rename(name, path);
  try {
    {
      std::lock_guard<std::mutex> lock(g_plplot_mutex);
      plstream pls;
      pls.sdev(kDevice);
      pls.sfnam(path.c_str());
      pls.spage(0, 0, static_cast<PLINT>(width), static_cast<PLINT>(height), 0, 0);
      pls.scmap0n(2);
      pls.scol0(0, background.r, background.g, background.b);
      pls.scol0(1, ink.r, ink.g, ink.b);
      pls.init();
      pls.adv(0);
      pls.vpor(0, 1, 0, 1);
      pls.wind(0, static_cast<PLFLT>(width), 0, static_cast<PLFLT>(height));
      pls.schr(0, character_scale);
      pls.col0(1);
      // ptex's anchor is the text's vertical centre; PLplot's y runs up, the image's down.
      for (const PlacedText& t : texts)
        pls.ptex(t.x, static_cast<PLFLT>(height) - t.y, 1, 0, t.justification, t.text.c_str());
    }
    RgbImage strip = read_png(path);
    std::filesystem::remove(path);
    return strip;
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    throw;
  }
}

}  // namespace due
