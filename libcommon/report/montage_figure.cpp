#include "report/montage_figure.h"

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>

#include "imaging/montage.h"
#include "io/dataset_store.h"
#include "io/png_writer.h"
#include "io/stage_files.h"
#include "report/aggregate.h"

namespace due {
namespace {

// Panels about this many pixels wide, whatever the block size.
constexpr std::size_t kPanelPixels = 160;
constexpr std::size_t kPanelGap = 4;

struct Column {
  std::string label;
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
    const MetricsRecord* first = *std::min_element(group.runs.begin(), group.runs.end(),
                                                   [](const MetricsRecord* a, const MetricsRecord* b) {
                                                     return seed_of(*a) < seed_of(*b);
                                                   });
    Column column;
    column.label = group.label + (first->tag("seed").empty() ? "" : " (seed " + first->tag("seed") + ")");
    column.run = first;
    columns.push_back(std::move(column));
  }
  const std::string dataset_path = columns.front().run->dataset_path;
  std::unique_ptr<DatasetReader> dataset;
  try {
    dataset = std::make_unique<DatasetReader>(dataset_path);
    for (Column& column : columns) {
      if (column.run->dataset_path != dataset_path)
        return not_drawn("the configurations were evaluated on different dataset files (" + dataset_path + ", " +
                         column.run->dataset_path + ").");
      column.explanations = std::make_unique<ExplanationReader>(column.run->explanations_path);
      if (!(column.explanations->shape() == dataset->layout().shape))
        return not_drawn(column.run->explanations_path + " does not have the volume shape of " + dataset_path + ".");
      const std::vector<std::uint8_t> labels = column.explanations->labels();
      for (std::size_t row = 0; row < labels.size(); ++row)
        if (labels[row] == 1) column.positive_rows.emplace(column.explanations->ids()[row], row);
    }
  } catch (const std::exception& error) {
    // The report is still worth writing when the run folders have moved; say which file is missing.
    return not_drawn(std::string("the explanation files cannot be read here: ") + error.what());
  }

  // Positives that every configuration explained, largest reference first (the most legible pictures).
  const std::vector<std::string> ids = dataset->ids();
  const VolumeShape shape = dataset->layout().shape;
  std::vector<std::pair<std::size_t, std::size_t>> candidates;  // (reference voxels, dataset row)
  std::vector<std::uint8_t> mask(shape.voxels());
  for (std::size_t row = 0; row < ids.size(); ++row) {
    const bool everywhere = std::all_of(columns.begin(), columns.end(), [&](const Column& column) {
      return column.positive_rows.count(ids[row]) > 0;
    });
    if (!everywhere) continue;
    dataset->file().read_rows("mask", row, 1, mask.data());
    candidates.emplace_back(std::count_if(mask.begin(), mask.end(), [](std::uint8_t m) { return m != 0; }), row);
  }
  if (candidates.empty()) return not_drawn("the configurations share no positive test sample.");
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  candidates.resize(std::min(candidates.size(), sample_count));

  const std::size_t scale = std::max<std::size_t>(1, kPanelPixels / std::max<std::size_t>(1, shape.width));
  std::vector<std::vector<RgbImage>> rows;
  std::ostringstream sample_list;
  for (const auto& [voxels, dataset_row] : candidates) {
    const DatasetSample sample = dataset->read(dataset_row);
    const std::vector<float> reference(sample.mask.begin(), sample.mask.end());
    const std::vector<std::size_t> slice = slices_through(reference, shape, 1);
    sample_list << (rows.empty() ? "" : ", ") << '`' << sample.id << "` (slice " << slice.front() << ')';
    SliceLayers layers;
    layers.image = &sample.image;
    layers.contour = &reference;
    std::vector<RgbImage> row = slice_row(layers, shape, slice, scale);
    for (const Column& column : columns) {
      const ExplanationRow explanation = column.explanations->read(column.positive_rows.at(sample.id));
      layers.heat = &explanation.cam;
      const std::vector<RgbImage> panel = slice_row(layers, shape, slice, scale);
      row.insert(row.end(), panel.begin(), panel.end());
    }
    rows.push_back(std::move(row));
  }
  write_png(png_path, grid(rows, kPanelGap, kBackground));

  std::ostringstream md;
  md << "![explanation montages](" << png_link << ")\n\n"
     << "Rows: the test positives " << sample_list.str()
     << ", the largest references that every configuration explained, each at the slice through the middle of "
        "its reference. Columns: the image with the reference contour (green), then the Grad-CAM (blue low, red "
        "high) over the image of ";
  for (std::size_t k = 0; k < columns.size(); ++k)
    md << (k == 0 ? "" : k + 1 == columns.size() ? " and " : ", ") << k + 1 << ". " << columns[k].label;
  md << ".\n";
  return {md.str(), true};
}

}  // namespace due
