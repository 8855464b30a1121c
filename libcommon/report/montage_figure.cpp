#include "report/montage_figure.h"

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>

#include "imaging/montage.h"
#include "io/dataset_store.h"
#include "io/png_writer.h"
#include "io/stage_files.h"
#include "report/aggregate.h"
#include "report/line_plot.h"

namespace due {
namespace {

// Panels about this many pixels wide, whatever the block size.
constexpr std::size_t kPanelPixels = 256;  // a nodule of 8 voxels across is 32 pixels at 64 x 64
constexpr std::size_t kPanelGap = 4;
constexpr std::size_t kColourBarPixels = 16;
constexpr std::size_t kHeaderPixels = 28;    // the strip of column names above the panels
constexpr std::size_t kKeyLabelPixels = 44;  // the key's values to its right
constexpr Rgb kInk{235, 235, 235};

struct Column {
  std::string label;  // the configuration and, in brackets, which of its runs is drawn
  std::string name;   // the configuration alone
  std::string which;  // "seed 1", "data seed 2, seed 1" or ""
  const MetricsRecord* run = nullptr;
  std::unique_ptr<ExplanationReader> explanations;
  std::map<std::string, std::size_t> positive_rows;  // id -> row
};

long seed_of(const MetricsRecord& run) {
  try {
    return std::stol(run.tag("seed"));
  } catch (const std::exception&) {
    return 0;
  }
}

FigureOutcome not_drawn(const std::string& why) {
  return {"Not drawn: " + why + "\n", false};
}

}  // namespace

FigureOutcome montage_figure(const std::vector<const MetricsRecord*>& runs, const std::string& png_path,
                             const std::string& png_link, std::size_t sample_count) {
  if (runs.empty() || sample_count == 0) return not_drawn("no runs.");
  std::vector<Column> columns;
  for (const RunGroup& group : group_runs(runs, {"seed"})) {
    // The first data draw's runs: every column then shows the same test samples (a draw has its own split).
    const std::vector<RunGroup> draws = split_by_data_seed(group);
    const std::vector<const MetricsRecord*>& draw = draws.front().runs;
    const MetricsRecord* first = *std::min_element(draw.begin(), draw.end(),
                                                   [](const MetricsRecord* a, const MetricsRecord* b) {
                                                     return seed_of(*a) < seed_of(*b);
                                                   });
    std::string which = first->tag("seed").empty() ? "" : "seed " + first->tag("seed");
    if (draws.size() > 1) which = "data seed " + first->tag(kDataSeedTag) + (which.empty() ? "" : ", " + which);
    Column column;
    column.label = group.label + (which.empty() ? "" : " (" + which + ")");
    column.name = group.label;
    column.which = which;
    column.run = first;
    columns.push_back(std::move(column));
  }
  const std::string dataset_path = columns.front().run->dataset_path;
  std::unique_ptr<DatasetReader> dataset;
  // Every panel shows the slice its method is scored on (recorded by due-explain), the one a 2D method's map
  // fills; the rule makes it the same for all, and a figure of one slice needs it to be.
  std::size_t slice = 0;
  try {
    dataset = std::make_unique<DatasetReader>(dataset_path);
    for (Column& column : columns) {
      if (column.run->dataset_path != dataset_path)
        return not_drawn("the configurations were evaluated on different dataset files (" + dataset_path + ", " +
                         column.run->dataset_path + ").");
      column.explanations = std::make_unique<ExplanationReader>(column.run->explanations_path);
      if (!(column.explanations->shape() == dataset->layout().shape))
        return not_drawn(column.run->explanations_path + " does not have the volume shape of " + dataset_path + ".");
      const std::size_t scored = column.explanations->score_slice();
      if (&column != &columns.front() && scored != slice)
        return not_drawn("the configurations are scored on different slices (" + std::to_string(slice) + " in " +
                         columns.front().run->explanations_path + ", " + std::to_string(scored) + " in " +
                         column.run->explanations_path + ").");
      slice = scored;
      const std::vector<std::uint8_t> labels = column.explanations->labels();
      for (std::size_t row = 0; row < labels.size(); ++row)
        if (labels[row] == 1) column.positive_rows.emplace(column.explanations->ids()[row], row);
    }
  } catch (const std::exception& error) {
    // The report is still worth writing when the run folders have moved; say which file is missing.
    return not_drawn(std::string("the explanation files cannot be read here: ") + error.what());
  }

  // Positives that every configuration explained, the largest reference on the drawn slice first (the most
  // legible pictures), then the largest in the volume.
  const std::vector<std::string> ids = dataset->ids();
  const VolumeShape shape = dataset->layout().shape;
  const std::size_t plane = shape.height * shape.width;
  struct Candidate {
    std::size_t on_slice = 0, in_volume = 0, row = 0;
  };
  std::vector<Candidate> candidates;
  std::vector<std::uint8_t> mask(shape.voxels());
  const auto foreground = [](auto begin, auto end) {
    return static_cast<std::size_t>(std::count_if(begin, end, [](std::uint8_t m) { return m != 0; }));
  };
  for (std::size_t row = 0; row < ids.size(); ++row) {
    const bool everywhere = std::all_of(columns.begin(), columns.end(), [&](const Column& column) {
      return column.positive_rows.count(ids[row]) > 0;
    });
    if (!everywhere) continue;
    dataset->file().read_rows("mask", row, 1, mask.data());
    const auto slice_begin = mask.begin() + static_cast<std::ptrdiff_t>(slice * plane);
    candidates.push_back({foreground(slice_begin, slice_begin + static_cast<std::ptrdiff_t>(plane)),
                          foreground(mask.begin(), mask.end()), row});
  }
  if (candidates.empty()) return not_drawn("the configurations share no positive test sample.");
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.on_slice, a.in_volume) > std::tie(b.on_slice, b.in_volume);
  });
  candidates.resize(std::min(candidates.size(), sample_count));

  const std::size_t scale = std::max<std::size_t>(1, kPanelPixels / std::max<std::size_t>(1, shape.width));
  std::vector<std::vector<RgbImage>> rows;
  std::ostringstream sample_list;
  for (const Candidate& candidate : candidates) {
    const DatasetSample sample = dataset->read(candidate.row);
    const std::vector<float> reference(sample.mask.begin(), sample.mask.end());
    sample_list << (rows.empty() ? "" : ", ") << '`' << sample.id << '`';
    SliceLayers layers;
    layers.image = &sample.image;
    layers.contour = &reference;
    std::vector<RgbImage> row = slice_row(layers, shape, {slice}, scale);
    for (const Column& column : columns) {
      const ExplanationRow explanation = column.explanations->read(column.positive_rows.at(sample.id));
      layers.heat = &explanation.cam;
      const std::vector<RgbImage> panel = slice_row(layers, shape, {slice}, scale);
      row.insert(row.end(), panel.begin(), panel.end());
    }
    rows.push_back(std::move(row));
  }
  // The colour key to the right, as tall as the panels (inside the grid's outer gap).
  const RgbImage panels = grid(rows, kPanelGap, kBackground);
  const float opacity = SliceLayers{}.heat_opacity;
  const RgbImage key = colour_bar(kColourBarPixels, panels.height() - 2 * kPanelGap, opacity);
  RgbImage framed(key.width() + kPanelGap, panels.height(), kBackground);
  for (std::size_t y = 0; y < key.height(); ++y)
    for (std::size_t x = 0; x < key.width(); ++x) framed.set(x, kPanelGap + y, key.at(x, y));
  // Names over the columns (numbered as in the caption) and values beside the key, drawn as text by PLplot.
  const std::size_t cell_width = rows.front().front().width();
  const auto column_centre = [&](std::size_t c) {
    return static_cast<double>(kPanelGap + c * (cell_width + kPanelGap)) + static_cast<double>(cell_width) / 2;
  };
  // When every column draws the same seed, the header leaves it to the caption: eight "(seed 1)" overran the
  // columns and ran their names together.
  const bool same_run_everywhere = std::all_of(columns.begin(), columns.end(), [&](const Column& c) {
    return c.which == columns.front().which;
  });
  std::vector<PlacedText> names{{column_centre(0), kHeaderPixels / 2.0, "image, reference"}};
  for (std::size_t k = 0; k < columns.size(); ++k)
    names.push_back({column_centre(k + 1), kHeaderPixels / 2.0,
                     std::to_string(k + 1) + ". " + (same_run_everywhere ? columns[k].name : columns[k].label)});
  const RgbImage keyed = side_by_side(panels, framed, 0, kBackground);
  const RgbImage header = text_strip(keyed.width() + kKeyLabelPixels, kHeaderPixels, names, kBackground, kInk, 0.8);
  const double key_top = static_cast<double>(kPanelGap), key_height = static_cast<double>(key.height());
  const RgbImage key_values =
      text_strip(kKeyLabelPixels, keyed.height(),
                 {{4, key_top + 10, "1", 0}, {4, key_top + key_height / 2, "0.5", 0}, {4, key_top + key_height - 10, "0", 0}},
                 kBackground, kInk, 1.5);  // PLplot sizes text by the page: this strip is narrow
  write_png(png_path, stacked(header, side_by_side(keyed, key_values, 0, kBackground), 0, kBackground));

  std::ostringstream md;
  md << "![explanation montages](" << png_link << ")\n\n"
     << "Rows: the test positives " << sample_list.str()
     << ", the largest references on the drawn slice that every configuration explained. Every panel shows depth "
        "index "
     << slice
     << ", the slice every method is scored on (the one the 2D methods see and explain; the 3D methods' maps "
        "cut there). Columns (named over them): the image with the reference contour (green), then the Grad-CAM (blue "
        "low, red high) over the image of ";
  for (std::size_t k = 0; k < columns.size(); ++k)
    md << (k == 0 ? "" : k + 1 == columns.size() ? " and " : ", ") << k + 1 << ". " << columns[k].label;
  md << "; right, the colour key (CAM 1 at the top, 0 at the bottom, blended as in the panels; the binarisation "
        "threshold of the scores is 0.5, marked halfway up).\n";
  return {md.str(), true};
}

}  // namespace due
