#pragma once

namespace due {

struct ToolContext;

// due-explain: classifier.pt + dataset.h5 -> explanations.h5 (+ NIfTI CAMs, PNG montages). Returns the exit status.
int run_explain(ToolContext& context);

}  // namespace due
