#pragma once
// The report's line figures: what each shows, which runs make a line, and what to say when the metrics files
// cannot support a line (one point is not a trend, so it is not drawn as one).
#include <string>
#include <vector>

#include "report/metrics_file.h"

namespace due {

struct FigureOutcome {
  std::string markdown;  // an image link and a caption, or a sentence saying why nothing was drawn
  bool drawn = false;
};

// Metrics against a numeric tag (training size: the paper's Fig. 3; lambda: Fig. 6): one line per configuration
// run at two or more values of the tag, each point the mean over seeds with a ± std bar; one panel per metric.
FigureOutcome tag_sweep_figure(const std::vector<const MetricsRecord*>& runs, const std::string& axis_tag,
                               const std::string& axis_title, const std::vector<std::string>& metric_keys,
                               const std::string& png_path, const std::string& png_link);

// Explanation IoU and F1 against the CAM binarisation threshold (the paper's Fig. 5), one line per configuration.
FigureOutcome threshold_figure(const std::vector<const MetricsRecord*>& runs, const std::string& png_path,
                               const std::string& png_link);

}  // namespace due
