#include "classifier/feedback_file.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <type_traits>

#include <yaml-cpp/yaml.h>

#include "io/text_output.h"
#include "util/errors.h"

namespace due {
namespace {

const std::array<const char*, 3> kAxisNames{"slices", "rows", "cols"};

std::array<std::size_t, 3> extent(const VolumeShape& shape) { return {shape.depth, shape.height, shape.width}; }

template <class Visit>
void for_each_voxel(const FeedbackCell& cell, const VolumeShape& shape, Visit&& visit) {
  for (std::size_t z = cell.begin[0]; z < cell.end[0]; ++z)
    for (std::size_t y = cell.begin[1]; y < cell.end[1]; ++y)
      for (std::size_t x = cell.begin[2]; x < cell.end[2]; ++x) visit((z * shape.height + y) * shape.width + x);
}

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw InputError(path + ": not a valid feedback file: " + what);
}

template <class T>
T scalar(const YAML::Node& node, const std::string& key, const std::string& path, const std::string& where) {
  const YAML::Node value = node[key];
  if (!value || !value.IsScalar()) bad(path, where + " has no '" + key + "'");
  try {
    return value.as<T>();
  } catch (const YAML::Exception&) {
    bad(path, where + ": '" + key + "' is not a valid value ('" + value.Scalar() + "')");
  }
}

std::array<std::size_t, 3> triple(const YAML::Node& node, const std::string& key, const std::string& path) {
  const YAML::Node value = node[key];
  if (!value || !value.IsSequence() || value.size() != 3) bad(path, "'" + key + "' must be a list of 3 integers");
  std::array<std::size_t, 3> out{};
  for (std::size_t a = 0; a < 3; ++a) {
    try {
      out[a] = value[a].as<std::size_t>();
    } catch (const YAML::Exception&) {
      bad(path, "'" + key + "' must be a list of 3 integers");
    }
  }
  return out;
}

}  // namespace

std::vector<double> prediction_entropy(const std::vector<std::vector<float>>& probabilities) {
  std::vector<double> out;
  for (const auto& row : probabilities) {
    double h = 0;
    for (float p : row)
      if (p > 0) h -= static_cast<double>(p) * std::log(static_cast<double>(p));
    out.push_back(h);
  }
  return out;
}

std::vector<std::size_t> highest_entropy(const std::vector<double>& entropy, std::size_t k) {
  std::vector<std::size_t> order(entropy.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return entropy[a] > entropy[b]; });
  order.resize(std::min(k, order.size()));
  return order;
}

std::vector<FeedbackCell> grid_cells(const std::vector<float>& saliency, const VolumeShape& shape,
                                     const std::array<std::size_t, 3>& cell_size) {
  const auto size = extent(shape);
  for (std::size_t a = 0; a < 3; ++a)
    if (cell_size[a] < 1) throw std::invalid_argument("grid_cells: cell size must be >= 1 along every axis");
  if (saliency.size() != shape.voxels()) throw std::invalid_argument("grid_cells: saliency is not the volume's size");
  std::array<std::size_t, 3> count{};
  for (std::size_t a = 0; a < 3; ++a) count[a] = (size[a] + cell_size[a] - 1) / cell_size[a];
  std::vector<FeedbackCell> cells;
  for (std::size_t cz = 0; cz < count[0]; ++cz)
    for (std::size_t cy = 0; cy < count[1]; ++cy)
      for (std::size_t cx = 0; cx < count[2]; ++cx) {
        FeedbackCell cell;
        cell.index = static_cast<std::int64_t>(cells.size());
        const std::array<std::size_t, 3> c{cz, cy, cx};
        for (std::size_t a = 0; a < 3; ++a) {
          cell.begin[a] = c[a] * cell_size[a];
          cell.end[a] = std::min(size[a], cell.begin[a] + cell_size[a]);
        }
        double sum = 0;
        std::size_t n = 0;
        for_each_voxel(cell, shape, [&](std::size_t v) {
          sum += saliency[v];
          ++n;
        });
        cell.saliency = sum / static_cast<double>(n);
        cells.push_back(cell);
      }
  return cells;
}

std::vector<FeedbackCell> most_salient_cells(std::vector<FeedbackCell> cells, std::size_t count) {
  std::stable_sort(cells.begin(), cells.end(),
                   [](const FeedbackCell& a, const FeedbackCell& b) { return a.saliency > b.saliency; });
  cells.resize(std::min(count, cells.size()));
  for (std::size_t i = 0; i < cells.size(); ++i) cells[i].number = static_cast<std::int64_t>(i + 1);
  return cells;
}

std::size_t simulate_marks(FeedbackSample& sample, const std::vector<std::uint8_t>& mask, const VolumeShape& shape) {
  if (mask.size() != shape.voxels()) throw std::invalid_argument("simulate_marks: mask is not the volume's size");
  std::size_t marked = 0;
  for (FeedbackCell& cell : sample.cells) {
    bool lesion = false;
    for_each_voxel(cell, shape, [&](std::size_t v) { lesion = lesion || mask[v] > 0; });
    cell.irrelevant = !lesion;
    marked += cell.irrelevant;
  }
  return marked;
}

std::vector<float> marked_voxels(const FeedbackSample& sample, const VolumeShape& shape) {
  std::vector<float> out(shape.voxels(), 0.f);
  for (const FeedbackCell& cell : sample.cells)
    if (cell.irrelevant) for_each_voxel(cell, shape, [&](std::size_t v) { out[v] = 1.f; });
  return out;
}

void write_feedback_file(const std::string& path, const FeedbackFile& file) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "schema" << YAML::Value << kFeedbackSchema;
  out << YAML::Key << "version" << YAML::Value << kFeedbackVersion;
  out << YAML::Key << "model" << YAML::Value << file.model;
  out << YAML::Key << "dataset" << YAML::Value << file.dataset;
  out << YAML::Key << "saliency" << YAML::Value << file.saliency;
  out << YAML::Key << "volume" << YAML::Value << YAML::Flow << YAML::BeginSeq << file.volume.depth
      << file.volume.height << file.volume.width << YAML::EndSeq;
  out << YAML::Key << "cell_size" << YAML::Value << YAML::Flow << YAML::BeginSeq << file.cell_size[0]
      << file.cell_size[1] << file.cell_size[2] << YAML::EndSeq;
  out << YAML::Key << "samples" << YAML::Value << YAML::BeginSeq;
  for (const FeedbackSample& s : file.samples) {
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << YAML::DoubleQuoted << s.id;
    out << YAML::Key << "label" << YAML::Value << s.label;
    out << YAML::Key << "predicted" << YAML::Value << s.predicted;
    out << YAML::Key << "entropy" << YAML::Value << s.entropy;
    out << YAML::Key << "montage" << YAML::Value << s.montage;
    out << YAML::Key << "cells" << YAML::Value << YAML::BeginSeq;
    for (const FeedbackCell& c : s.cells) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "number" << YAML::Value << c.number;
      out << YAML::Key << "index" << YAML::Value << c.index;
      for (std::size_t a = 0; a < 3; ++a)
        out << YAML::Key << kAxisNames[a] << YAML::Value << YAML::Flow << YAML::BeginSeq << c.begin[a] << c.end[a]
            << YAML::EndSeq;
      out << YAML::Key << "saliency" << YAML::Value << c.saliency;
      out << YAML::Key << "irrelevant" << YAML::Value << c.irrelevant;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "provenance" << YAML::Value << YAML::BeginMap;
  for_each_provenance_field(file.provenance, [&](const char* name, const auto& value) {
    out << YAML::Key << name << YAML::Value;
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
      if (value.find('\n') != std::string::npos) out << YAML::Literal;
    }
    out << value;
  });
  out << YAML::EndMap << YAML::EndMap;
  const std::string header =
      "# due feedback file (docs/feedback.md). For each sample, look at its montage: the numbered boxes are the\n"
      "# cells the model attends to most. Set 'irrelevant: true' on every cell that should NOT matter for the\n"
      "# diagnosis, then train with: due-train-classifier ... --feedback THIS_FILE\n";
  write_text_file_atomically(path, header + out.c_str() + "\n");
}

FeedbackFile read_feedback_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(path + ": cannot read the feedback file");
  } catch (const YAML::Exception& e) {
    bad(path, std::string("YAML error: ") + e.what());
  }
  if (!root.IsMap()) bad(path, "the top level is not a map");
  if (scalar<std::string>(root, "schema", path, "the file") != kFeedbackSchema) bad(path, "schema is not due-feedback");
  if (scalar<std::int64_t>(root, "version", path, "the file") != kFeedbackVersion)
    bad(path, "version is not " + std::to_string(kFeedbackVersion));
  FeedbackFile file;
  file.model = scalar<std::string>(root, "model", path, "the file");
  file.dataset = scalar<std::string>(root, "dataset", path, "the file");
  file.saliency = scalar<std::string>(root, "saliency", path, "the file");
  const auto volume = triple(root, "volume", path);
  file.volume = VolumeShape{volume[0], volume[1], volume[2]};
  file.cell_size = triple(root, "cell_size", path);
  const YAML::Node samples = root["samples"];
  if (!samples || !(samples.IsSequence() || samples.IsNull())) bad(path, "'samples' must be a list");
  for (std::size_t i = 0; samples.IsSequence() && i < samples.size(); ++i) {
    const YAML::Node node = samples[i];
    const std::string where = "samples[" + std::to_string(i) + "]";
    if (!node.IsMap()) bad(path, where + " is not a map");
    FeedbackSample s;
    s.id = scalar<std::string>(node, "id", path, where);
    s.label = scalar<std::int64_t>(node, "label", path, where);
    s.predicted = scalar<std::int64_t>(node, "predicted", path, where);
    s.entropy = scalar<double>(node, "entropy", path, where);
    s.montage = node["montage"] && node["montage"].IsScalar() ? node["montage"].Scalar() : "";
    const YAML::Node cells = node["cells"];
    if (!cells || !(cells.IsSequence() || cells.IsNull())) bad(path, where + " ('" + s.id + "'): 'cells' must be a list");
    for (std::size_t j = 0; cells.IsSequence() && j < cells.size(); ++j) {
      const YAML::Node c = cells[j];
      const std::string cell_where = where + ".cells[" + std::to_string(j) + "] of '" + s.id + "'";
      if (!c.IsMap()) bad(path, cell_where + " is not a map");
      FeedbackCell cell;
      cell.number = scalar<std::int64_t>(c, "number", path, cell_where);
      cell.index = scalar<std::int64_t>(c, "index", path, cell_where);
      cell.saliency = scalar<double>(c, "saliency", path, cell_where);
      cell.irrelevant = scalar<bool>(c, "irrelevant", path, cell_where);
      const auto size = extent(file.volume);
      for (std::size_t a = 0; a < 3; ++a) {
        const YAML::Node range = c[kAxisNames[a]];
        bool ok = range && range.IsSequence() && range.size() == 2;
        try {
          if (ok) {
            cell.begin[a] = range[0].as<std::size_t>();
            cell.end[a] = range[1].as<std::size_t>();
          }
        } catch (const YAML::Exception&) {
          ok = false;
        }
        if (!ok || cell.begin[a] >= cell.end[a] || cell.end[a] > size[a])
          bad(path, cell_where + ": '" + kAxisNames[a] + "' must be [begin, end) with begin < end <= " +
                        std::to_string(size[a]));
      }
      s.cells.push_back(cell);
    }
    file.samples.push_back(std::move(s));
  }
  if (const YAML::Node p = root["provenance"]; p && p.IsMap()) {
    for_each_provenance_field(file.provenance, [&](const char* name, auto& value) {
      if (p[name] && p[name].IsScalar()) value = p[name].as<std::decay_t<decltype(value)>>();
    });
  }
  return file;
}

}  // namespace due
