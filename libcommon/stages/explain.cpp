#include "stages/explain.h"

#include <filesystem>

#include "classifier/inference.h"
#include "classifier/model_file.h"
#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "imaging/montage.h"
#include "io/atomic_output.h"
#include "io/nifti_io.h"
#include "io/output_paths.h"
#include "io/png_writer.h"
#include "io/stage_files.h"
#include "metrics/slice_scoring.h"
#include "nn/tensors.h"
#include "stages/feedback_query.h"
#include "stages/output_settings.h"
#include "util/errors.h"

namespace due {
namespace {

std::uint8_t split_code(const Config& config) {
  const std::string name = config.get_string("explain.split");
  for (std::uint8_t code : {kTrain, kValidation, kTest})
    if (name == split_name(code)) return code;
  config.fail("explain.split", "must be train, validation or test, got '" + name + "'");
}

struct MontageSettings {
  std::string dir;
  bool all_samples = false;
  std::size_t slices = 5;
  std::size_t scale = 3;
};

// Three rows over the same slices through the lesion: the image; the image with the annotation's outline; the
// image with the CAM blended over it and the outline.
RgbImage explanation_montage(const DatasetSample& sample, const std::vector<float>& cam, const VolumeShape& shape,
                             const MontageSettings& settings) {
  const std::vector<float> mask(sample.mask.begin(), sample.mask.end());
  const std::vector<std::size_t> slices = slices_through(mask, shape, settings.slices, cam);
  SliceLayers plain;
  plain.image = &sample.image;
  SliceLayers outlined = plain;
  outlined.contour = &mask;
  SliceLayers explained = outlined;
  explained.heat = &cam;
  return grid({slice_row(plain, shape, slices, settings.scale), slice_row(outlined, shape, slices, settings.scale),
               slice_row(explained, shape, slices, settings.scale)},
              2, kBackground);
}

}  // namespace

std::string file_stem(const std::string& id) {
  std::string stem = id;
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return stem;
}

int run_explain(ToolContext& context) {
  const Config& config = context.config;
  // --query writes a feedback file for a person to mark, not explanations.h5 (stages/feedback_query.h).
  if (config.get_string("explain.query") != "none") return run_feedback_query(context);
  const std::string data_path = context.option("data"), model_path = context.option("model"),
                    out_path = context.option("out");
  if (out_path.empty()) throw UsageError("--out FILE is required");
  if (data_path.empty()) throw UsageError("--data FILE is required");
  if (model_path.empty()) throw UsageError("--model FILE is required");
  const std::uint8_t split = split_code(config);
  const std::int64_t batch_size = config.get_int("explain.batch_size");
  if (batch_size < 1) config.fail("explain.batch_size", "must be >= 1");
  const int gzip_level = gzip_level_from(config);
  MontageSettings montage;
  montage.dir = config.get_string("explain.png_dir");
  const std::string png_samples = config.get_string("explain.png_samples");
  if (png_samples != "positives" && png_samples != "all")
    config.fail("explain.png_samples", "must be positives or all, got '" + png_samples + "'");
  montage.all_samples = png_samples == "all";
  const std::int64_t png_slices = config.get_int("explain.png_slices"), png_scale = config.get_int("explain.png_scale");
  if (png_slices < 1) config.fail("explain.png_slices", "must be >= 1");
  if (png_scale < 1 || png_scale > 16) config.fail("explain.png_scale", "must be in 1..16");
  montage.slices = static_cast<std::size_t>(png_slices);
  montage.scale = static_cast<std::size_t>(png_scale);
  const std::string nifti_dir = config.get_string("explain.nifti_dir");

  const torch::Device device = torch_device(context.device);
  ClassifierFile classifier = load_classifier(model_path, device);
  const ClassifierArchitecture& architecture = classifier.architecture;
  LayerRef layer = architecture.cam_layer;
  CamPooling pooling = architecture.cam_pooling;
  try {
    if (!config.get_string("explain.cam_layer").empty()) layer = parse_layer_ref(config.get_string("explain.cam_layer"));
  } catch (const std::invalid_argument& e) {
    config.fail("explain.cam_layer", e.what());
  }
  try {
    if (!config.get_string("explain.cam_pooling").empty())
      pooling = parse_cam_pooling(config.get_string("explain.cam_pooling"));
  } catch (const std::invalid_argument& e) {
    config.fail("explain.cam_pooling", e.what());
  }

  const DatasetReader dataset(data_path);
  const VolumeShape& shape = dataset.layout().shape;
  if (!(shape == architecture.volume))
    throw InputError(data_path + ": volumes are " + std::to_string(shape.depth) + "x" + std::to_string(shape.height) +
                     "x" + std::to_string(shape.width) + ", but " + model_path + " was trained on " +
                     std::to_string(architecture.volume.depth) + "x" + std::to_string(architecture.volume.height) +
                     "x" + std::to_string(architecture.volume.width));
  if (!nifti_dir.empty()) prepare_output_folder("--nifti", nifti_dir);
  if (!montage.dir.empty()) prepare_output_folder("--png", montage.dir);

  FileAttributes attributes{{"method", architecture.method},
                            {"split", split_name(split)},
                            {"cam_layer", layer_ref_name(layer)},
                            {"cam_pooling", cam_pooling_name(pooling)},
                            {"cam_align_corners", architecture.cam_align_corners ? "true" : "false"},
                            {"cam_dims", std::to_string(architecture.network.dims)},
                            {"classifier", model_path},
                            {"dataset", data_path},
                            {"classifier_config", classifier.provenance.config_yaml}};
  if (architecture.network.dims == 2) attributes["cam_slice"] = std::to_string(architecture.slice);
  // Recorded for every method, so that due-evaluate scores each on this slice without guessing.
  const std::size_t score_slice = scored_slice(architecture);
  attributes["score_slice"] = std::to_string(score_slice);
  ExplanationWriter writer(out_path, shape, context.provenance(), attributes, gzip_level);

  const std::vector<std::size_t> indices = dataset.indices_of_split(split);
  Progress progress("explaining", indices.size(), "samples");
  std::size_t positives = 0, correct = 0, montages = 0;
  for (std::size_t start = 0; start < indices.size(); start += static_cast<std::size_t>(batch_size)) {
    const std::vector<std::size_t> chunk(
        indices.begin() + static_cast<std::ptrdiff_t>(start),
        indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), start + static_cast<std::size_t>(batch_size))));
    const std::vector<DatasetSample> samples = dataset.read_batch(chunk);
    std::vector<torch::Tensor> inputs;
    for (const DatasetSample& sample : samples) inputs.push_back(network_input(sample.image, architecture));
    const Prediction prediction = predict(classifier.model, torch::stack(inputs).to(device), layer, pooling, true,
                                          architecture.cam_align_corners);
    const torch::Tensor probability = prediction.probability.to(torch::kCPU, torch::kFloat32).contiguous();
    const torch::Tensor predicted = prediction.predicted.to(torch::kCPU);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const DatasetSample& sample = samples[i];
      ExplanationRow row;
      row.id = sample.id;
      row.label = sample.label;
      row.probability = tensor_values(probability[static_cast<std::int64_t>(i)]);
      row.predicted = static_cast<std::uint8_t>(predicted[static_cast<std::int64_t>(i)].item<std::int64_t>());
      const std::vector<float> cam = tensor_values(prediction.cam[static_cast<std::int64_t>(i)]);
      row.cam = architecture.network.dims == 2 ? slice_map_in_volume(cam.data(), shape, architecture.slice) : cam;
      positives += sample.label;
      correct += row.predicted == sample.label;
      if (!nifti_dir.empty()) {
        VolumeGeometry geometry;
        geometry.shape = shape;
        geometry.spacing = {sample.spacing[0], sample.spacing[1], sample.spacing[2]};
        write_nifti(nifti_dir + "/" + file_stem(sample.id) + "_cam.nii.gz", geometry, row.cam);
      }
      if (!montage.dir.empty() && (montage.all_samples || sample.label == 1)) {
        write_png(montage.dir + "/" + file_stem(sample.id) + ".png", explanation_montage(sample, row.cam, shape, montage));
        ++montages;
      }
      writer.append(row);
      progress.advance();
    }
  }
  progress.finish();
  writer.commit();
  log_info("wrote ", out_path, ": ", indices.size(), " ", split_name(split), " samples (", positives,
           " positive), accuracy ", indices.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(indices.size()),
           ", Grad-CAM at ", layer_ref_name(layer), " (", cam_pooling_name(pooling), "), scored on slice ", score_slice,
           nifti_dir.empty() ? "" : "; NIfTI in " + nifti_dir,
           montage.dir.empty() ? "" : "; " + std::to_string(montages) + " montages in " + montage.dir);
  return kExitOk;
}

}  // namespace due
