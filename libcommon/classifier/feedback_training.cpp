#include "classifier/feedback_training.h"

#include <map>

#include "classifier/feedback_file.h"
#include "classifier/right_reasons.h"
#include "nn/tensors.h"
#include "util/errors.h"

namespace due {

FeedbackMarks::FeedbackMarks(const std::string& path, const TrainingSet& set, const VolumeShape& shape,
                             const ClassifierArchitecture& architecture) {
  const FeedbackFile file = read_feedback_file(path);
  if (!(file.volume == shape))
    throw InputError(path + ": made for volumes " + std::to_string(file.volume.depth) + "x" +
                     std::to_string(file.volume.height) + "x" + std::to_string(file.volume.width) +
                     ", not the training data's " + std::to_string(shape.depth) + "x" + std::to_string(shape.height) +
                     "x" + std::to_string(shape.width));
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < set.ids.size(); ++i) position[set.ids[i]] = i;
  marks_.resize(set.ids.size());
  for (const FeedbackSample& sample : file.samples) {
    const auto it = position.find(sample.id);
    if (it == position.end())
      throw InputError(path + ": sample '" + sample.id + "' is not in the training split of the dataset");
    std::size_t cells = 0;
    for (const FeedbackCell& cell : sample.cells) cells += cell.irrelevant;
    if (cells == 0) continue;
    marks_[it->second] = network_view(volume_tensor(marked_voxels(sample, shape), shape), architecture).unsqueeze(0);
    marked_cells_ += cells;
    ++marked_samples_;
  }
}

ExtraLoss FeedbackMarks::penalty(const std::vector<std::size_t>& members, double lambda, const torch::Device& device) const {
  std::vector<torch::Tensor> rows;
  std::vector<std::int64_t> marked_rows;
  torch::Tensor zeros;
  for (std::size_t row = 0; row < members.size(); ++row) {
    const torch::Tensor& mark = marks_[members[row]];
    if (mark.defined()) marked_rows.push_back(static_cast<std::int64_t>(row));
    rows.push_back(mark);
  }
  ExtraLoss extra;
  if (marked_rows.empty()) {
    extra.compute = [](const StepView&) { return torch::Tensor(); };
    return extra;
  }
  for (torch::Tensor& r : rows)
    if (!r.defined()) r = torch::zeros_like(marks_[members[static_cast<std::size_t>(marked_rows.front())]]);
  const torch::Tensor marks = torch::stack(rows).to(device);
  const torch::Tensor index = torch::tensor(marked_rows, torch::kInt64).to(device);
  extra.needs_input_gradient = true;
  extra.compute = [marks, index, lambda](const StepView& step) {
    return lambda * right_reasons_penalty(step.logits, step.input, marks).index_select(0, index).mean();
  };
  return extra;
}

}  // namespace due
