#pragma once
// What due-train-classifier --feedback adds to training: the marked voxels of each training sample named in
// the feedback file (classifier/feedback_file.h), cut to the network's view, the rounds of the schedule, and
// the right-for-the-right-reasons penalty of a batch as an extra loss of the step (classifier/right_reasons.h).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "classifier/model_file.h"
#include "classifier/train_step.h"
#include "classifier/training_set.h"

namespace due {

// Epochs 1..baseline without the penalty, then `feedback` epochs with it, then `after` epochs without.
struct FeedbackRounds {
  std::int64_t baseline = 0, feedback = 1, after = 0;
  std::int64_t total() const { return baseline + feedback + after; }
  bool with_feedback(std::int64_t epoch) const { return epoch > baseline && epoch <= baseline + feedback; }
};

class FeedbackMarks {
 public:
  // Reads the feedback file. InputError naming the file when it was made for volumes of another shape, or names
  // a sample that is not in `set` (the training split).
  FeedbackMarks(const std::string& path, const TrainingSet& set, const VolumeShape& shape,
                const ClassifierArchitecture& architecture);

  std::size_t marked_samples() const { return marked_samples_; }
  std::size_t marked_cells() const { return marked_cells_; }

  // lambda * mean over the batch's marked samples of the penalty; computes nothing (undefined) when no member
  // of the batch has a mark.
  ExtraLoss penalty(const std::vector<std::size_t>& members, double lambda, const torch::Device& device) const;

 private:
  std::vector<torch::Tensor> marks_;  // per training sample [1, spatial...]; undefined where nothing is marked
  std::size_t marked_samples_ = 0, marked_cells_ = 0;
};

}  // namespace due
