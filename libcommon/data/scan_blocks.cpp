#include "data/scan_blocks.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "cli/config.h"
#include "raters/consensus.h"
#include "imaging/resample.h"
#include "io/nifti_io.h"

namespace due {
namespace {

std::vector<float> windowed(const std::vector<float>& hu, const std::array<double, 2>& window) {
  std::vector<float> out(hu.size());
  const double width = window[1] - window[0];
  for (std::size_t i = 0; i < hu.size(); ++i)
    out[i] = static_cast<float>(std::clamp((hu[i] - window[0]) / width, 0.0, 1.0));
  return out;
}

std::array<float, 3> as_float(const std::array<double, 3>& v) {
  return {static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2])};
}

}  // namespace

BlockSettings block_settings_from(const Config& config) {
  BlockSettings s;
  const auto block = config.get_ints("preprocess.block_size", 3);
  for (std::int64_t extent : block)
    if (extent < 8 || extent > 1024) config.fail("preprocess.block_size", "needs extents between 8 and 1024");
  s.shape = VolumeShape{static_cast<std::size_t>(block[0]), static_cast<std::size_t>(block[1]),
                        static_cast<std::size_t>(block[2])};
  const auto window = config.get_floats("preprocess.hu_window", 2);
  if (!(window[0] < window[1])) config.fail("preprocess.hu_window", "needs low < high");
  s.hu_window = {window[0], window[1]};
  s.consensus_level = config.get_float("preprocess.consensus_level");
  if (!(s.consensus_level > 0 && s.consensus_level <= 1)) config.fail("preprocess.consensus_level", "must be in (0, 1]");
  s.rater_noise = rater_noise_from(config);
  const auto spacing = config.get_floats("preprocess.scan.block_spacing_mm", 3);
  for (double v : spacing)
    if (v < 0) config.fail("preprocess.scan.block_spacing_mm", "must be >= 0 (0 = the scan's whole extent)");
  s.spacing_mm = {spacing[0], spacing[1], spacing[2]};
  s.fit_lesion_depth = config.get_bool("preprocess.scan.fit_lesion_depth");
  s.outside_hu = config.get_float("preprocess.scan.outside_hu");
  const std::int64_t negatives = config.get_int("preprocess.scan.negatives_per_scan");
  if (negatives < 0) config.fail("preprocess.scan.negatives_per_scan", "must be >= 0");
  s.negatives_per_scan = static_cast<std::size_t>(negatives);
  s.negative_min_lung_fraction = config.get_float("preprocess.scan.negative_min_lung_fraction");
  if (s.negative_min_lung_fraction < 0 || s.negative_min_lung_fraction > 1)
    config.fail("preprocess.scan.negative_min_lung_fraction", "must be in [0, 1]");
  const std::int64_t attempts = config.get_int("preprocess.scan.negative_attempts");
  if (attempts < 1) config.fail("preprocess.scan.negative_attempts", "must be at least 1");
  s.negative_attempts = static_cast<std::size_t>(attempts);
  return s;
}

VolumeGeometry block_grid(const VolumeGeometry& scan, const Point3& centre, const BlockSettings& settings,
                          const LesionAnnotation* lesion) {
  const std::size_t block[3] = {settings.shape.depth, settings.shape.height, settings.shape.width};
  const std::size_t extent[3] = {scan.shape.depth, scan.shape.height, scan.shape.width};
  std::array<double, 3> spacing = settings.spacing_mm;
  std::array<double, 3> centre_index = scan.to_index(centre);
  for (int a = 0; a < 3; ++a) {
    if (spacing[a] != 0) continue;
    // The whole extent of the scan along this axis: same span, centred on the scan.
    spacing[a] = scan.spacing[a] * static_cast<double>(extent[a]) / static_cast<double>(block[a]);
    centre_index[a] = (static_cast<double>(extent[a]) - 1) / 2;
  }
  if (settings.fit_lesion_depth && lesion && lesion->last_slice > lesion->first_slice) {
    // The paper's blocks: the slices the lesion was drawn on spread over the whole depth, first to last.
    spacing[0] = scan.spacing[0] * static_cast<double>(lesion->last_slice - lesion->first_slice) /
                 static_cast<double>(block[0] - 1);
    centre_index[0] = (lesion->first_slice + lesion->last_slice) / 2.0;
  }
  return centred_grid(scan, scan.to_physical(centre_index[0], centre_index[1], centre_index[2]), settings.shape,
                      spacing);
}

std::vector<std::uint8_t> annotated_slices_in_block(const VolumeGeometry& scan, const VolumeGeometry& block) {
  std::vector<std::uint8_t> slices(block.shape.depth, 0);
  for (std::size_t k = 0; k < scan.shape.depth; ++k) {
    const Point3 p = scan.to_physical(static_cast<double>(k), 0, 0);
    const double z = block.to_index(p)[0];
    const double nearest = std::floor(z + 0.5 + 1e-9);  // halves up, as nearest-neighbour resampling rounds
    if (nearest >= 0 && nearest < static_cast<double>(block.shape.depth)) slices[static_cast<std::size_t>(nearest)] = 1;
  }
  return slices;
}

DatasetSample cut_block_at(const std::vector<float>& hu, const VolumeGeometry& scan, const Point3& centre,
                           const BlockSettings& settings) {
  const VolumeGeometry grid = block_grid(scan, centre, settings, nullptr);
  DatasetSample s;
  s.image = windowed(resample_linear(hu, scan, grid, static_cast<float>(settings.outside_hu)), settings.hu_window);
  s.mask.assign(grid.shape.voxels(), 0);
  s.raters.assign(grid.shape.voxels() * settings.rater_slots, 0);
  s.rater_present.assign(settings.rater_slots, 0);
  s.annotated_slices = annotated_slices_in_block(scan, grid);
  s.spacing = as_float(grid.spacing);
  return s;
}

DatasetSample cut_positive_block(const std::vector<float>& hu, const VolumeGeometry& scan,
                                 const LesionAnnotation& lesion, const BlockSettings& settings,
                                 std::uint64_t noise_seed) {
  const VolumeGeometry grid = block_grid(scan, lesion.centre, settings, &lesion);
  const std::size_t voxels = grid.shape.voxels();
  DatasetSample s;
  s.label = 1;
  s.image = windowed(resample_linear(hu, scan, grid, static_cast<float>(settings.outside_hu)), settings.hu_window);
  s.raters.assign(voxels * settings.rater_slots, 0);
  s.rater_present.assign(settings.rater_slots, 0);
  for (std::size_t r = 0; r < settings.rater_slots && r < lesion.masks.size(); ++r) {
    if (!lesion.present[r] || lesion.masks[r].empty()) continue;
    const std::vector<std::uint8_t> mask = resample_nearest(lesion.masks[r], lesion.region, grid);
    std::copy(mask.begin(), mask.end(), s.raters.begin() + static_cast<std::ptrdiff_t>(r * voxels));
    s.rater_present[r] = 1;
  }
  s.mask = lesion.reference.empty() ? consensus_mask(s.raters, s.rater_present, voxels, settings.consensus_level)
                                    : resample_nearest(lesion.reference, lesion.region, grid);
  apply_rater_noise(s, grid.shape, settings.rater_noise, noise_seed);
  s.annotated_slices = annotated_slices_in_block(scan, grid);
  s.spacing = as_float(grid.spacing);
  return s;
}

std::vector<DatasetSample> cut_negative_blocks(const std::vector<float>& hu, const VolumeGeometry& scan,
                                               const std::vector<AvoidSphere>& avoid, const BlockSettings& settings,
                                               std::uint64_t seed) {
  std::vector<DatasetSample> out;
  if (settings.negatives_per_scan == 0) return out;
  std::mt19937_64 rng(seed);
  const VolumeGeometry probe = block_grid(scan, scan.centre(), settings, nullptr);
  const double block_mm[3] = {probe.spacing[0] * probe.shape.depth, probe.spacing[1] * probe.shape.height,
                              probe.spacing[2] * probe.shape.width};
  const double scan_mm[3] = {scan.spacing[0] * scan.shape.depth, scan.spacing[1] * scan.shape.height,
                             scan.spacing[2] * scan.shape.width};
  std::vector<Point3> taken;
  for (std::size_t attempt = 0; attempt < settings.negative_attempts && out.size() < settings.negatives_per_scan;
       ++attempt) {
    // A centre (in scan index space) that keeps the block inside the scan where the scan is large enough.
    double index[3];
    for (int a = 0; a < 3; ++a) {
      const double half = block_mm[a] / 2 / scan.spacing[a];
      const double n = scan_mm[a] / scan.spacing[a];
      index[a] = half * 2 < n ? std::uniform_real_distribution<double>(half - 0.5, n - half - 0.5)(rng) : (n - 1) / 2;
    }
    const Point3 centre = scan.to_physical(index[0], index[1], index[2]);
    const VolumeGeometry grid = block_grid(scan, centre, settings, nullptr);
    bool clear = true;
    for (const AvoidSphere& sphere : avoid) {
      // Distance from the sphere's centre to the block's box, in mm along the block's axes.
      const std::array<double, 3> c = grid.to_index(sphere.centre);
      const double n[3] = {static_cast<double>(grid.shape.depth), static_cast<double>(grid.shape.height),
                           static_cast<double>(grid.shape.width)};
      double squared = 0;
      for (int a = 0; a < 3; ++a) {
        const double outside = std::max({0.0, -0.5 - c[a], c[a] - (n[a] - 0.5)}) * grid.spacing[a];
        squared += outside * outside;
      }
      if (std::sqrt(squared) <= sphere.radius_mm) clear = false;
    }
    for (const Point3& other : taken)  // distinct blocks: centres at least half a block apart in-plane
      if (std::hypot(other[0] - centre[0], other[1] - centre[1], other[2] - centre[2]) < block_mm[1] / 2) clear = false;
    if (!clear) continue;
    DatasetSample s = cut_block_at(hu, scan, centre, settings);
    const double lung_level = (-500 - settings.hu_window[0]) / (settings.hu_window[1] - settings.hu_window[0]);
    const auto lung = std::count_if(s.image.begin(), s.image.end(), [&](float v) { return v < lung_level; });
    // Air outside the body is below -500 HU too: require some tissue as well as lung.
    const auto air = std::count_if(s.image.begin(), s.image.end(), [](float v) { return v <= 0.0f; });
    const double n = static_cast<double>(s.image.size());
    if (static_cast<double>(lung) / n < settings.negative_min_lung_fraction || static_cast<double>(air) / n > 0.5)
      continue;
    taken.push_back(centre);
    out.push_back(std::move(s));
  }
  return out;
}

void export_sample_nifti(const std::string& dir, const DatasetSample& sample, const VolumeShape& shape) {
  VolumeGeometry g;
  g.shape = shape;
  g.spacing = {sample.spacing[0], sample.spacing[1], sample.spacing[2]};
  write_nifti(dir + "/" + sample.id + "_image.nii.gz", g, sample.image);
  write_nifti(dir + "/" + sample.id + "_mask.nii.gz", g, sample.mask);
}

}  // namespace due
