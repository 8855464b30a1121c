#pragma once

namespace due {

struct ToolContext;

// due-explain --query entropy: classifier.pt + dataset.h5 -> feedback.yaml (--out) + a PNG montage per queried
// sample. The training samples whose predictions have the highest entropy, each with the most salient cells of
// a grid over its saliency; --simulate-feedback marks them from the reference annotation. Returns the exit status.
int run_feedback_query(ToolContext& context);

}  // namespace due
