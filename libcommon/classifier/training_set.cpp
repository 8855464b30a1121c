#include "classifier/training_set.h"

#include <algorithm>

#include "data/gaps.h"
#include "nn/tensors.h"
#include "util/errors.h"

namespace due {
namespace {

// Targets that come from annotations.h5.
bool from_annotations(const std::string& name) {
  return name == "imputed" || name == "weight" || name == "rater_imputed" || name == "rater_weight";
}

// A copy of uint8 values as float32 0/1.
torch::Tensor float_copy(const std::vector<std::uint8_t>& values) {
  return torch::from_blob(const_cast<std::uint8_t*>(values.data()), {static_cast<std::int64_t>(values.size())}, torch::kUInt8)
      .to(torch::kFloat32);
}

// Targets that come from dataset.h5's per-rater arrays.
bool from_raters(const std::string& name) { return name == "raters" || name == "rater_present"; }

// Each depth index's nearest annotated slice, as an index tensor.
torch::Tensor nearest_annotated_index(const DatasetSample& sample) {
  std::vector<std::size_t> nearest;
  try {
    nearest = nearest_annotated_slice(sample.annotated_slices);
  } catch (const std::invalid_argument&) {
    throw InputError("sample '" + sample.id + "' is positive but has no annotated slice");
  }
  return torch::tensor(std::vector<std::int64_t>(nearest.begin(), nearest.end()), torch::kInt64);
}

// The human annotation where a human drew it, carried to every other slice from its nearest annotated slice.
torch::Tensor carried_human_annotation(const DatasetSample& sample, const VolumeShape& shape) {
  return volume_tensor(sample.mask, shape).index_select(0, nearest_annotated_index(sample));
}

// [R, D, H, W] per-rater volumes cut to the network's view: [R, H, W] for a 2D method.
torch::Tensor rater_view(const torch::Tensor& volumes, const ClassifierArchitecture& architecture) {
  if (architecture.network.dims == 2)
    return volumes.select(1, static_cast<std::int64_t>(architecture.slice)).contiguous();
  return volumes;
}

std::vector<std::int64_t> rater_volume_shape(std::size_t raters, const VolumeShape& shape) {
  return {static_cast<std::int64_t>(raters), static_cast<std::int64_t>(shape.depth),
          static_cast<std::int64_t>(shape.height), static_cast<std::int64_t>(shape.width)};
}

// [R, spatial...]: each rater's mask carried like the human annotation (a rater's own masks are only known on the
// annotated slices as well), cut to the network's view.
torch::Tensor carried_rater_masks(const DatasetSample& sample, const VolumeShape& shape, std::size_t raters,
                                  const ClassifierArchitecture& architecture) {
  return rater_view(float_copy(sample.raters).view(rater_volume_shape(raters, shape))
                        .index_select(1, nearest_annotated_index(sample)),
                    architecture);
}

// [R, spatial...]: each rater's own imputed annotation or weights (annotations.h5 imputed per rater).
torch::Tensor per_rater_annotation(const std::vector<float>& values, const VolumeShape& shape, std::size_t raters,
                                   const ClassifierArchitecture& architecture) {
  return rater_view(torch::from_blob(const_cast<float*>(values.data()), rater_volume_shape(raters, shape),
                                     torch::kFloat32)
                        .clone(),
                    architecture);
}

// [D]: 1 on the slices a human annotated, 0 elsewhere (3D networks only: a 2D network sees one slice).
torch::Tensor annotated_slice_indicator(const DatasetSample& sample, const ClassifierArchitecture& architecture) {
  if (architecture.network.dims != 3)
    throw std::logic_error("target 'annotated' is per depth index; a 2D network has none");
  if (std::find(sample.annotated_slices.begin(), sample.annotated_slices.end(), 1) == sample.annotated_slices.end())
    throw InputError("sample '" + sample.id + "' is positive but has no annotated slice");
  return float_copy(sample.annotated_slices);
}

}  // namespace

torch::Tensor target_volume(const std::string& name, const DatasetSample& sample, const VolumeShape& shape,
                            const AnnotationRow* annotation) {
  if (name == "human") return carried_human_annotation(sample, shape);
  if (from_annotations(name)) {
    if (!annotation) throw std::logic_error("target '" + name + "' needs the annotations.h5 row");
    return volume_tensor(name == "imputed" ? annotation->annotation : annotation->weight, shape);
  }
  throw std::logic_error("no target named '" + name + "'");
}

TrainingSet load_training_set(const DatasetReader& dataset, const std::vector<std::size_t>& indices,
                              const AnnotationReader* annotations, const std::vector<std::string>& target_names,
                              const ClassifierArchitecture& architecture) {
  const VolumeShape& shape = dataset.layout().shape;
  bool needs_annotations = false;
  for (const std::string& name : target_names) needs_annotations = needs_annotations || from_annotations(name);
  if (needs_annotations && !annotations) throw std::logic_error("load_training_set: annotations.h5 is needed");
  bool needs_raters = false;
  for (const std::string& name : target_names) needs_raters = needs_raters || from_raters(name);
  if (needs_raters && dataset.layout().raters == 0)
    throw InputError(dataset.path() + ": has no /raters (0 rater slots); --raters needs each rater's mask");
  if (needs_annotations && !(annotations->shape() == shape))
    throw InputError(annotations->path() + ": volumes are not the shape of " + dataset.path() + "'s");
  bool needs_rater_annotations = false;
  for (const std::string& name : target_names)
    needs_rater_annotations = needs_rater_annotations || name == "rater_imputed" || name == "rater_weight";
  if (needs_rater_annotations && annotations->raters() != dataset.layout().raters)
    throw InputError(annotations->path() + ": imputed for " + std::to_string(annotations->raters()) + " rater slots, " +
                     dataset.path() + " has " + std::to_string(dataset.layout().raters) +
                     " (due-impute-annotations --per-rater)");
  TrainingSet set;
  for (std::size_t index : indices) {
    const DatasetSample sample = dataset.read(index);
    set.ids.push_back(sample.id);
    set.labels.push_back(sample.label);
    set.inputs.push_back(network_input(sample.image, architecture));
    TargetMap targets;
    if (sample.label == 1 && !target_names.empty()) {
      AnnotationRow row;
      if (needs_annotations) {
        row = annotations->read(annotations->require(sample.id));
        if (row.annotated_slices != sample.annotated_slices)
          throw InputError(annotations->path() + ": sample '" + sample.id +
                           "' has other annotated slices than in " + dataset.path() + " (made for another dataset?)");
        if (needs_rater_annotations && row.rater_present != sample.rater_present)
          throw InputError(annotations->path() + ": sample '" + sample.id + "' has other raters present than in " +
                           dataset.path());
      }
      for (const std::string& name : target_names) {
        if (name == "raters")
          targets[name] = carried_rater_masks(sample, shape, dataset.layout().raters, architecture);
        else if (name == "rater_present")
          targets[name] = float_copy(sample.rater_present);
        else if (name == "annotated")
          targets[name] = annotated_slice_indicator(sample, architecture);
        else if (name == "rater_imputed" || name == "rater_weight")
          targets[name] = per_rater_annotation(name == "rater_imputed" ? row.rater_annotation : row.rater_weight,
                                               shape, annotations->raters(), architecture);
        else
          targets[name] = network_view(target_volume(name, sample, shape, needs_annotations ? &row : nullptr), architecture);
      }
    }
    set.targets.push_back(std::move(targets));
  }
  return set;
}

Batch make_batch(const TrainingSet& set, const std::vector<std::size_t>& members, const torch::Device& device) {
  Batch batch;
  std::vector<torch::Tensor> inputs;
  std::vector<std::int64_t> labels, positives;
  std::map<std::string, std::vector<torch::Tensor>> targets;
  for (std::size_t row = 0; row < members.size(); ++row) {
    const std::size_t i = members[row];
    inputs.push_back(set.inputs[i]);
    labels.push_back(set.labels[i]);
    if (set.labels[i] != 1) continue;
    positives.push_back(static_cast<std::int64_t>(row));
    for (const auto& [name, value] : set.targets[i]) targets[name].push_back(value);
  }
  batch.input = torch::stack(inputs).to(device);
  batch.labels = torch::tensor(labels, torch::kInt64).to(device);
  batch.positives = torch::tensor(positives, torch::kInt64).to(device);
  for (auto& [name, values] : targets) batch.targets[name] = torch::stack(values).to(device);
  return batch;
}

}  // namespace due
