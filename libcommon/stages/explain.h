#pragma once
#include <string>

namespace due {

struct ToolContext;

// due-explain: classifier.pt + dataset.h5 -> explanations.h5 (+ NIfTI CAMs, PNG montages). Returns the exit status.
int run_explain(ToolContext& context);

// A sample id as a file name: anything but letters, digits, '.', '-' and '_' becomes '_'.
std::string file_stem(const std::string& id);

}  // namespace due
