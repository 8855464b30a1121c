#include "support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>

#include "data/sparse_slices.h"
#include "imputation/classical.h"
#include "io/provenance.h"
#include "io/stage_files.h"

namespace due::test {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "due-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a scratch folder");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!std::getenv("DUE_KEEP_SCRATCH")) std::filesystem::remove_all(path_, ec);  // keep to debug a failure
}

std::vector<std::string> ScratchDir::entries() const {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(path_)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());  // directory order is the file system's, not a contract
  return names;
}

CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command_line);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string tool_path(const std::string& stage) { return std::string(DUE_BIN_DIR) + "/due-" + stage; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

DatasetSample make_test_sample(const DatasetLayout& layout, std::size_t index) {
  const std::size_t voxels = layout.shape.voxels();
  DatasetSample s;
  s.id = "sample-" + std::to_string(index);
  s.patient = "patient-" + std::to_string(index / 2) + "-é";  // non-ASCII must survive the UTF-8 round trip
  s.label = static_cast<std::uint8_t>(index % 2);
  s.split = static_cast<std::uint8_t>(index % 4);
  s.image.resize(voxels);
  for (std::size_t v = 0; v < voxels; ++v) s.image[v] = static_cast<float>(index) + 0.001f * static_cast<float>(v);
  s.mask.resize(voxels);
  for (std::size_t v = 0; v < voxels; ++v) s.mask[v] = static_cast<std::uint8_t>((v + index) % 3 == 0);
  s.raters.resize(voxels * layout.raters);
  for (std::size_t v = 0; v < s.raters.size(); ++v) s.raters[v] = static_cast<std::uint8_t>((v * 7 + index) % 5 == 0);
  s.rater_present.resize(layout.raters);
  for (std::size_t r = 0; r < layout.raters; ++r) s.rater_present[r] = static_cast<std::uint8_t>((r + index) % 2);
  s.annotated_slices.resize(layout.shape.depth);
  for (std::size_t z = 0; z < layout.shape.depth; ++z) s.annotated_slices[z] = static_cast<std::uint8_t>(z % 2 == index % 2);
  s.spacing = {1.0f + index, 0.5f, 0.25f};
  return s;
}

std::string small_phantom_dataset(const ScratchDir& dir, const std::string& name, const std::string& extra_options) {
  const std::string path = dir.file(name);
  const CommandResult made = run_command(tool_path("preprocess") +
                                         " --threads 1 --set preprocess.block_size=[8,16,16]"
                                         " --set preprocess.phantom.patients=10" + extra_options + " --out " + path);
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  return path;
}

void write_blend_variance(const std::string& dataset, const std::string& out) {
  const DatasetReader reader(dataset);
  const VolumeShape shape = reader.layout().shape;
  VarianceWriter writer(out, shape, make_provenance("due-test"), {{"interpolator", "linear"}}, 1);
  for (std::size_t i = 0; i < reader.size(); ++i) {
    const DatasetSample s = reader.read(i);
    if (s.label != 1) continue;
    VarianceRow row{s.id, {}, {}, s.annotated_slices};
    row.mean = interpolate_linear(sparse_annotation(s.mask, s.annotated_slices), shape, s.annotated_slices);
    row.variance.resize(row.mean.size());
    for (std::size_t v = 0; v < row.mean.size(); ++v) row.variance[v] = row.mean[v] * (1 - row.mean[v]);
    writer.append(row);
  }
  writer.commit();
}

std::string lidc_sample_root() {
  const std::string root = std::string(DUE_SOURCE_DIR) + "/../shared/data/lidc-sample";
  if (std::filesystem::is_directory(root)) return root;
  const char* may_be_missing = std::getenv("DUE_LIDC_SAMPLE_MAY_BE_MISSING");
  if (may_be_missing != nullptr && std::string(may_be_missing) == "1") {
    WARN("SKIPPED: no LIDC-IDRI sample at " << root);
    return "";
  }
  FAIL("no LIDC-IDRI sample at " << root << " (set DUE_LIDC_SAMPLE_MAY_BE_MISSING=1 to skip)");
  return "";
}

}  // namespace due::test
