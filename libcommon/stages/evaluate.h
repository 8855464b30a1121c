#pragma once
#include <string>
#include <vector>

namespace due {

struct ToolContext;

// due-evaluate: classification and explanation metrics of explanations.h5 against dataset.h5, written to
// `out_path` (metrics.json) and the metrics.csv beside it. `tag_assignments` ("key=value") override the tags
// read from the files. Returns the exit status.
int run_evaluate(ToolContext& context, const std::string& dataset_path, const std::string& explanations_path,
                 const std::string& out_path, const std::vector<std::string>& tag_assignments);

}  // namespace due
