#pragma once
// classifier.pt: the trained network plus what rebuilds and feeds it without the training config (the
// architecture YAML), and what due-explain needs to know (method, Grad-CAM layer and pooling).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "explain/grad_cam.h"
#include "io/dataset_store.h"
#include "io/provenance.h"
#include "models/resnet.h"

namespace due {

inline constexpr const char* kClassifierKind = "due-classifier";
inline constexpr const char* kClassifierCheckpointKind = "due-classifier-checkpoint";

struct ClassifierArchitecture {
  ResNetConfig network;
  VolumeShape volume;     // D, H, W of the samples it was trained on
  std::size_t slice = 0;  // 2D networks: the depth index of the slice they see (the middle one)
  LayerRef cam_layer;
  CamPooling cam_pooling = CamPooling::Spatial;
  // Upsampling of the map (training and due-explain alike); files written before the key existed were trained
  // with false and read as false.
  bool cam_align_corners = true;
  // Training only (whether the explanation loss differentiates the channel weights); recorded for provenance,
  // read as differentiable from files written before the key existed.
  CamWeights cam_weights = CamWeights::Constant;
  std::string method;
  std::string raters = "none";  // --raters; written to the YAML only when not none (older files read as none)

  std::string to_yaml() const;
  // InputError naming `origin` when a field is missing or malformed.
  static ClassifierArchitecture from_yaml(const std::string& text, const std::string& origin);
  // Spatial size of the network input: {D, H, W} or {H, W}.
  std::vector<std::int64_t> input_size() const;
};

// The slice this classifier's explanations are scored on besides the volume (metrics/slice_scoring.h): a 2D
// network's own slice; for a 3D network the middle slice, the one the 2D networks see, so all compare there.
std::size_t scored_slice(const ClassifierArchitecture& architecture);

// One sample's network input [1, spatial...]: the volume, or its slice `architecture.slice` for a 2D network.
torch::Tensor network_input(const std::vector<float>& volume, const ClassifierArchitecture& architecture);
// The same cut for a target volume [D, H, W] -> [spatial...].
torch::Tensor network_view(const torch::Tensor& volume, const ClassifierArchitecture& architecture);

struct ClassifierFile {
  ClassifierArchitecture architecture;
  ResNet18 model{nullptr};
  Provenance provenance;
};

// `rater_model` (null unless --raters magi): the MAGI model, saved beside the network as "magi".
void save_classifier(const std::string& path, const ClassifierArchitecture& architecture, const ResNet18& model,
                     const Provenance& provenance, std::int64_t best_epoch, double best_pr_auc,
                     const torch::nn::Module* rater_model = nullptr);
// Loads onto `device`, in eval mode. InputError naming the file when it is not a classifier.
ClassifierFile load_classifier(const std::string& path, const torch::Device& device);

}  // namespace due
