#include "classifier/model_file.h"

#include <sstream>

#include <yaml-cpp/yaml.h>

#include "metrics/slice_scoring.h"
#include "nn/checkpoint.h"
#include "nn/tensors.h"
#include "util/errors.h"

namespace due {

std::string ClassifierArchitecture::to_yaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "dims" << YAML::Value << network.dims;
  out << YAML::Key << "width" << YAML::Value << network.width;
  out << YAML::Key << "in_channels" << YAML::Value << network.in_channels;
  out << YAML::Key << "classes" << YAML::Value << network.classes;
  out << YAML::Key << "volume" << YAML::Value << YAML::Flow
      << std::vector<std::size_t>{volume.depth, volume.height, volume.width};
  out << YAML::Key << "slice" << YAML::Value << slice;
  out << YAML::Key << "cam_layer" << YAML::Value << layer_ref_name(cam_layer);
  out << YAML::Key << "cam_pooling" << YAML::Value << cam_pooling_name(cam_pooling);
  out << YAML::Key << "cam_align_corners" << YAML::Value << cam_align_corners;
  out << YAML::Key << "cam_weights" << YAML::Value << cam_weights_name(cam_weights);
  out << YAML::Key << "method" << YAML::Value << method;
  if (raters != "none") out << YAML::Key << "raters" << YAML::Value << raters;
  out << YAML::EndMap;
  return out.c_str();
}

ClassifierArchitecture ClassifierArchitecture::from_yaml(const std::string& text, const std::string& origin) {
  ClassifierArchitecture a;
  try {
    const YAML::Node node = YAML::Load(text);
    a.network.dims = node["dims"].as<int>();
    a.network.width = node["width"].as<std::int64_t>();
    a.network.in_channels = node["in_channels"].as<std::int64_t>();
    a.network.classes = node["classes"].as<std::int64_t>();
    const auto volume = node["volume"].as<std::vector<std::size_t>>();
    if (volume.size() != 3) throw std::invalid_argument("volume must have 3 sizes");
    a.volume = VolumeShape{volume[0], volume[1], volume[2]};
    a.slice = node["slice"].as<std::size_t>();
    a.cam_layer = parse_layer_ref(node["cam_layer"].as<std::string>());
    a.cam_pooling = parse_cam_pooling(node["cam_pooling"].as<std::string>());
    a.cam_align_corners = node["cam_align_corners"] ? node["cam_align_corners"].as<bool>() : false;
    a.cam_weights = node["cam_weights"] ? parse_cam_weights(node["cam_weights"].as<std::string>())
                                        : CamWeights::Differentiable;
    a.method = node["method"].as<std::string>();
    if (node["raters"]) a.raters = node["raters"].as<std::string>();
  } catch (const std::exception& e) {
    throw InputError(origin + ": malformed classifier architecture (" + e.what() + ")");
  }
  if ((a.network.dims != 2 && a.network.dims != 3) || a.volume.voxels() == 0 || a.slice >= a.volume.depth)
    throw InputError(origin + ": malformed classifier architecture (dims, volume or slice out of range)");
  return a;
}

std::vector<std::int64_t> ClassifierArchitecture::input_size() const {
  const auto h = static_cast<std::int64_t>(volume.height), w = static_cast<std::int64_t>(volume.width);
  if (network.dims == 2) return {h, w};
  return {static_cast<std::int64_t>(volume.depth), h, w};
}

std::size_t scored_slice(const ClassifierArchitecture& architecture) {
  return architecture.network.dims == 2 ? architecture.slice : middle_slice(architecture.volume.depth);
}

torch::Tensor network_view(const torch::Tensor& volume, const ClassifierArchitecture& architecture) {
  if (architecture.network.dims == 2) return volume.select(0, static_cast<std::int64_t>(architecture.slice)).contiguous();
  return volume;
}

torch::Tensor network_input(const std::vector<float>& volume, const ClassifierArchitecture& architecture) {
  return network_view(volume_tensor(volume, architecture.volume), architecture).unsqueeze(0);
}

void save_classifier(const std::string& path, const ClassifierArchitecture& architecture, const ResNet18& model,
                     const Provenance& provenance, std::int64_t best_epoch, double best_pr_auc,
                     const torch::nn::Module* rater_model) {
  CheckpointWriter writer(kClassifierKind);
  writer.set("architecture", architecture.to_yaml());
  writer.add_module("model", *model);
  if (rater_model) writer.add_module("magi", *rater_model);
  writer.set("best_epoch", best_epoch);
  writer.set("best_validation_pr_auc", best_pr_auc);
  writer.set_provenance(provenance);
  writer.save(path);
}

ClassifierFile load_classifier(const std::string& path, const torch::Device& device) {
  CheckpointReader reader(path, kClassifierKind);
  ClassifierFile file;
  file.architecture = ClassifierArchitecture::from_yaml(reader.get_string("architecture"), path);
  file.model = ResNet18(file.architecture.network);
  reader.load_module("model", *file.model);
  file.model->to(device);
  file.model->eval();
  file.provenance = reader.provenance();
  return file;
}

}  // namespace due
