#pragma once

namespace due {

struct ToolContext;

// due-train-classifier: dataset.h5 [+ annotations.h5] -> classifier.pt (+ .checkpoint, .log.csv).
// Returns the exit status.
int run_train_classifier(ToolContext& context);

}  // namespace due
