#pragma once
// The feedback file of the human-in-the-loop round (due-explain --query entropy writes it, a person edits it,
// due-train-classifier --feedback reads it): per queried training sample, the most salient cells of a regular
// grid over its volume, each with a mark the person sets when the cell should NOT matter to the prediction.
// YAML, one file for all samples; the contract is in docs/feedback.md. Also: selecting the samples to query by
// prediction entropy, the grid, simulated feedback from the reference annotation, and the marked voxels as a mask.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset_store.h"
#include "io/provenance.h"

namespace due {

inline constexpr const char* kFeedbackSchema = "due-feedback";
inline constexpr std::int64_t kFeedbackVersion = 1;

// A box of voxels [begin, end) along (z, y, x).
struct FeedbackCell {
  std::int64_t number = 0;  // label in the montage: 1 = the sample's most salient listed cell
  std::int64_t index = 0;   // position in the grid, row-major over (z, y, x) cells
  std::array<std::size_t, 3> begin{}, end{};
  double saliency = 0;      // mean saliency over the cell's voxels
  bool irrelevant = false;  // the person's mark: true = this region should not drive the prediction
};

struct FeedbackSample {
  std::string id;
  std::int64_t label = 0, predicted = 0;
  double entropy = 0;       // of the predicted class probabilities, nats
  std::string montage;      // the PNG showing the numbered cells ("" when none was written)
  std::vector<FeedbackCell> cells;
};

struct FeedbackFile {
  std::string model, dataset, saliency;
  VolumeShape volume;
  std::array<std::size_t, 3> cell_size{};
  std::vector<FeedbackSample> samples;
  Provenance provenance;
};

// Shannon entropy (nats) of each row of class probabilities.
std::vector<double> prediction_entropy(const std::vector<std::vector<float>>& probabilities);
// Positions of the `k` largest entropies, largest first; ties keep the earlier position first.
std::vector<std::size_t> highest_entropy(const std::vector<double>& entropy, std::size_t k);

// Every cell of the grid of `cell_size` over `shape` (cells at the far borders are cut short), with the mean of
// `saliency` (D*H*W) over it, in grid order; number 0, unmarked.
std::vector<FeedbackCell> grid_cells(const std::vector<float>& saliency, const VolumeShape& shape,
                                     const std::array<std::size_t, 3>& cell_size);
// The `count` most salient of them (ties: lower index first), numbered 1.. in that order.
std::vector<FeedbackCell> most_salient_cells(std::vector<FeedbackCell> cells, std::size_t count);

// Marks each listed cell that holds no voxel of the sample's reference annotation `mask` (D*H*W): what a reader
// who knows where the lesion is would mark. Returns the number of cells marked.
std::size_t simulate_marks(FeedbackSample& sample, const std::vector<std::uint8_t>& mask, const VolumeShape& shape);

// 1 on the voxels of the marked cells, 0 elsewhere: D*H*W.
std::vector<float> marked_voxels(const FeedbackSample& sample, const VolumeShape& shape);

// Writes atomically. InputError naming the file when it cannot be written.
void write_feedback_file(const std::string& path, const FeedbackFile& file);
// InputError naming the file and the entry when it is not a valid feedback file (unknown schema, a cell outside
// the volume, a mark that is not true/false, ...).
FeedbackFile read_feedback_file(const std::string& path);

}  // namespace due
