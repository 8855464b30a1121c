#include "stages/feedback_query.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "classifier/feedback_file.h"
#include "classifier/inference.h"
#include "classifier/model_file.h"
#include "classifier/saliency.h"
#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "imaging/cell_marks.h"
#include "imaging/montage.h"
#include "io/atomic_output.h"
#include "io/output_paths.h"
#include "io/png_writer.h"
#include "nn/tensors.h"
#include "stages/explain.h"
#include "util/errors.h"

namespace due {
namespace {

struct QuerySettings {
  std::size_t top = 8, cells = 6, slices = 5, scale = 3;
  std::array<std::size_t, 3> cell_size{4, 8, 8};
  SaliencyKind saliency = SaliencyKind::GradCam;
  bool simulate = false;
  std::string png_dir;
};

QuerySettings query_settings(const Config& config, const std::string& out_path) {
  QuerySettings q;
  if (config.get_string("explain.query") != "entropy")
    config.fail("explain.query", "must be none or entropy, got '" + config.get_string("explain.query") + "'");
  const auto at_least_one = [&](const std::string& key) {
    const std::int64_t v = config.get_int(key);
    if (v < 1) config.fail(key, "must be >= 1");
    return static_cast<std::size_t>(v);
  };
  q.top = at_least_one("explain.query_top");
  q.cells = at_least_one("explain.query_cells");
  q.slices = at_least_one("explain.png_slices");
  q.scale = at_least_one("explain.png_scale");
  const std::vector<std::int64_t> size = config.get_ints("explain.query_cell_size", 3);
  for (std::size_t a = 0; a < 3; ++a) {
    if (size[a] < 1) config.fail("explain.query_cell_size", "every size must be >= 1");
    q.cell_size[a] = static_cast<std::size_t>(size[a]);
  }
  q.saliency = config.parse_string("explain.query_saliency", parse_saliency_kind);
  q.simulate = config.get_bool("explain.simulate_feedback");
  q.png_dir = config.get_string("explain.png_dir");
  if (q.png_dir.empty()) q.png_dir = std::filesystem::path(out_path).replace_extension("").string() + "_montages";
  return q;
}

// The saliency map at the volume's size: a 2D model's slice in its place, zero elsewhere.
std::vector<float> volume_saliency(const torch::Tensor& map, const ClassifierArchitecture& architecture) {
  const std::vector<float> values = tensor_values(map);
  if (architecture.network.dims != 2) return values;
  const VolumeShape& shape = architecture.volume;
  std::vector<float> volume(shape.voxels(), 0.f);
  std::copy(values.begin(), values.end(),
            volume.begin() + static_cast<std::ptrdiff_t>(architecture.slice * shape.height * shape.width));
  return volume;
}

// One row of slices, through the middle of the listed cells (most salient first), the saliency over the image
// and each cell that crosses the slice outlined and numbered.
RgbImage query_montage(const DatasetSample& sample, const std::vector<float>& saliency, const FeedbackSample& entry,
                       const VolumeShape& shape, const QuerySettings& settings) {
  std::set<std::size_t> chosen;
  for (const FeedbackCell& cell : entry.cells) {
    if (chosen.size() >= settings.slices) break;
    chosen.insert((cell.begin[0] + cell.end[0] - 1) / 2);
  }
  if (chosen.empty()) chosen.insert(shape.depth / 2);
  const std::vector<std::size_t> slices(chosen.begin(), chosen.end());
  SliceLayers layers;
  layers.image = &sample.image;
  layers.heat = &saliency;
  std::vector<RgbImage> panels = slice_row(layers, shape, slices, settings.scale);
  const std::size_t s = settings.scale, font = std::max<std::size_t>(1, settings.scale / 2);
  for (std::size_t p = 0; p < slices.size(); ++p) {
    for (const FeedbackCell& cell : entry.cells) {
      if (slices[p] < cell.begin[0] || slices[p] >= cell.end[0]) continue;
      draw_box(panels[p], cell.begin[2] * s, cell.begin[1] * s, cell.end[2] * s - 1, cell.end[1] * s - 1, kCellMagenta);
      draw_number(panels[p], cell.begin[2] * s + 1, cell.begin[1] * s + 1, static_cast<std::uint64_t>(cell.number),
                  kLabelWhite, font);
    }
  }
  return grid({panels}, 2, kBackground);
}

}  // namespace

int run_feedback_query(ToolContext& context) {
  const Config& config = context.config;
  const std::string data_path = context.option("data"), model_path = context.option("model"),
                    out_path = context.option("out");
  if (out_path.empty()) throw UsageError("--out FILE is required (the feedback YAML)");
  if (data_path.empty()) throw UsageError("--data FILE is required");
  if (model_path.empty()) throw UsageError("--model FILE is required");
  const QuerySettings settings = query_settings(config, out_path);
  const std::int64_t batch_size = config.get_int("explain.batch_size");
  if (batch_size < 1) config.fail("explain.batch_size", "must be >= 1");
  // The montages' folder (--png, or beside --out): created and checked before any work.
  prepare_output_folder(config.get_string("explain.png_dir").empty() ? "--out (its montage folder)" : "--png",
                        settings.png_dir);

  const torch::Device device = torch_device(context.device);
  ClassifierFile classifier = load_classifier(model_path, device);
  const ClassifierArchitecture& architecture = classifier.architecture;
  const DatasetReader dataset(data_path);
  const VolumeShape& shape = dataset.layout().shape;
  if (!(shape == architecture.volume))
    throw InputError(data_path + ": volumes are not the shape " + model_path + " was trained on");

  // Queried from the training split whatever explain.split says: the feedback steers training.
  const std::vector<std::size_t> indices = dataset.indices_of_split(kTrain);
  std::vector<std::vector<float>> probabilities;
  std::vector<std::int64_t> predicted;
  for (std::size_t start = 0; start < indices.size(); start += static_cast<std::size_t>(batch_size)) {
    const std::vector<std::size_t> chunk(
        indices.begin() + static_cast<std::ptrdiff_t>(start),
        indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), start + static_cast<std::size_t>(batch_size))));
    std::vector<torch::Tensor> inputs;
    for (const DatasetSample& sample : dataset.read_batch(chunk)) inputs.push_back(network_input(sample.image, architecture));
    const Prediction prediction = predict(classifier.model, torch::stack(inputs).to(device), architecture.cam_layer,
                                          architecture.cam_pooling, /*with_cam=*/false, architecture.cam_align_corners);
    const torch::Tensor p = prediction.probability.to(torch::kCPU, torch::kFloat32);
    for (std::int64_t i = 0; i < p.size(0); ++i) {
      probabilities.push_back(tensor_values(p[i]));
      predicted.push_back(prediction.predicted[i].item<std::int64_t>());
    }
  }
  const std::vector<double> entropy = prediction_entropy(probabilities);
  const std::vector<std::size_t> queried = highest_entropy(entropy, settings.top);

  FeedbackFile file;
  file.model = model_path;
  file.dataset = data_path;
  file.saliency = saliency_kind_name(settings.saliency);
  file.volume = shape;
  file.cell_size = settings.cell_size;
  file.provenance = context.provenance();
  Progress progress("querying", queried.size(), "samples");
  std::size_t marked = 0;
  for (std::size_t position : queried) {
    const DatasetSample sample = dataset.read(indices[position]);
    const torch::Tensor input = network_input(sample.image, architecture).unsqueeze(0).to(device);
    const torch::Tensor classes = torch::tensor({predicted[position]}, torch::kInt64).to(device);
    const std::vector<float> saliency = volume_saliency(
        class_saliency(classifier.model, input, classes, architecture, settings.saliency)[0].to(torch::kCPU),
        architecture);
    FeedbackSample entry;
    entry.id = sample.id;
    entry.label = sample.label;
    entry.predicted = predicted[position];
    entry.entropy = entropy[position];
    entry.cells = most_salient_cells(grid_cells(saliency, shape, settings.cell_size), settings.cells);
    entry.montage = settings.png_dir + "/" + file_stem(sample.id) + "_cells.png";
    write_png(entry.montage, query_montage(sample, saliency, entry, shape, settings));
    if (settings.simulate) marked += simulate_marks(entry, sample.mask, shape);
    file.samples.push_back(std::move(entry));
    progress.advance();
  }
  progress.finish();
  write_feedback_file(out_path, file);
  log_info("wrote ", out_path, ": ", file.samples.size(), " of ", indices.size(),
           " training samples queried by prediction entropy, ", settings.cells, " cells each (",
           saliency_kind_name(settings.saliency), "), montages in ", settings.png_dir,
           settings.simulate ? "; simulated feedback marked " + std::to_string(marked) + " cells irrelevant" : "");
  return kExitOk;
}

}  // namespace due
