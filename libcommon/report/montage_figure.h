#pragma once
// The report's Fig. 4: the explanations of every configuration side by side on the same test positives, read
// back from the explanations.h5 and dataset.h5 files that the metrics files name.
#include <cstddef>
#include <string>
#include <vector>

#include "report/figures.h"
#include "report/metrics_file.h"

namespace due {

// One row per sample (the `sample_count` positives common to every configuration with the largest reference on
// the drawn slice), each panel at the slice every method is scored on (ExplanationReader::score_slice: the one
// a 2D method's map fills): first the image with the reference contour, then one panel per configuration (its
// lowest seed of its first data seed, so that every panel shows the same draw's test samples) with its Grad-CAM
// over the image. Not drawn, and said so, when a file cannot be read (an
// explanations file from before slice scoring included), the configurations are scored on different slices or
// share no positive sample.
FigureOutcome montage_figure(const std::vector<const MetricsRecord*>& runs, const std::string& png_path,
                             const std::string& png_link, std::size_t sample_count = 3);

}  // namespace due
