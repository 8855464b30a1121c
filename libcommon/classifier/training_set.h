#pragma once
// The training samples of due-train-classifier held in memory as network inputs, with the targets the method's
// terms read (see TargetMap in methods.h), and batches made from them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "classifier/methods.h"
#include "classifier/model_file.h"
#include "io/dataset_store.h"
#include "io/stage_files.h"

namespace due {

struct TrainingSet {
  std::vector<std::string> ids;
  std::vector<std::uint8_t> labels;
  std::vector<torch::Tensor> inputs;  // [1, spatial...] each
  std::vector<TargetMap> targets;     // [spatial...] each; empty for negatives
};

// Target `name` of one positive sample as a [D, H, W] volume. `annotation` may be null when `name` does not
// come from annotations.h5. Throws InputError for an unknown name or a sample without annotated slices.
torch::Tensor target_volume(const std::string& name, const DatasetSample& sample, const VolumeShape& shape,
                            const AnnotationRow* annotation);

// Loads dataset samples `indices`, cut to the network's view, with targets `target_names` for the positives.
// `annotations` (null when no target needs it) must hold a row for every positive, made for the same layout.
TrainingSet load_training_set(const DatasetReader& dataset, const std::vector<std::size_t>& indices,
                              const AnnotationReader* annotations, const std::vector<std::string>& target_names,
                              const ClassifierArchitecture& architecture);

struct Batch {
  torch::Tensor input;      // [B, 1, spatial...]
  torch::Tensor labels;     // [B] int64
  torch::Tensor positives;  // [P] int64 rows with label 1
  TargetMap targets;        // [P, spatial...] in the order of `positives`
};

Batch make_batch(const TrainingSet& set, const std::vector<std::size_t>& members, const torch::Device& device);

}  // namespace due
