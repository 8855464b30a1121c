#pragma once
// Line plots written as PNG through PLplot's cairo driver (Debian's libplplot-dev + plplot-driver-cairo): a
// scientific plotting library called in-process from C++, so the report needs no interpreter or child process.
#include <string>
#include <vector>

#include "imaging/montage.h"

namespace due {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  std::vector<double> y_error;  // empty, or one half-width per point (drawn as an error bar when > 0)
};

struct PlotPanel {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  bool log_x = false;  // x drawn on a log10 axis (all x must be > 0)
};

// True when PLplot can write PNG files here (its cairo driver is installed).
bool png_plots_available();

// Draws the panels side by side with one legend beside them into a PNG at `path`, written atomically.
// Points with a non-finite y are left out. InputError when the PNG driver is missing or a panel is empty.
void write_line_plots_png(const std::string& path, const std::vector<PlotPanel>& panels, int panel_width = 460,
                          int height = 400);

// Text placed on a strip of `width` x `height` pixels, for labelling figures drawn as images (the explanation
// montage): each text's anchor is (x, y) in pixels from the left and the top, its vertical centre at y;
// `justification` 0 puts its left end at x, 0.5 its middle, 1 its right end. Drawn by PLplot (cairo fonts),
// `ink` on `background`. InputError when the PNG driver is missing.
struct PlacedText {
  double x = 0, y = 0;
  std::string text;
  double justification = 0.5;
};
RgbImage text_strip(std::size_t width, std::size_t height, const std::vector<PlacedText>& texts, Rgb background,
                    Rgb ink, double character_scale = 1.0);

}  // namespace due
