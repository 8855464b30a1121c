#pragma once
// Cutting dataset blocks out of a real scan: positives centred on a lesion with its raters' masks, negatives at
// random places that touch no lesion, the CT window, and the scan's slices mapped into the block.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/rater_masks.h"
#include "io/dataset_store.h"
#include "raters/rater_noise.h"

namespace due {

class Config;

struct BlockSettings {
  VolumeShape shape{32, 64, 64};
  std::array<double, 3> spacing_mm{1.0, 0.75, 0.75};  // z, y, x; 0 on an axis: the scan's whole extent
  bool fit_lesion_depth = false;  // the block's depth spans exactly the slices the lesion was drawn on
  std::array<double, 2> hu_window{-1000, 400};
  double outside_hu = -1024;      // value of block voxels beyond the scan
  double consensus_level = 0.5;
  std::size_t rater_slots = 4;
  RaterNoiseSettings rater_noise;  // applied to positives' raters after /mask is taken from them
  std::size_t negatives_per_scan = 2;
  double negative_min_lung_fraction = 0.25;  // share of voxels under -500 HU a negative block needs
  std::size_t negative_attempts = 100;
};

// Reads preprocess.block_size, hu_window, consensus_level, rater_noise.* and preprocess.scan.*.
BlockSettings block_settings_from(const Config& config);

struct AvoidSphere {
  Point3 centre;
  double radius_mm = 0;
};

// The block grid for a lesion (or, without one, centred on `centre`).
VolumeGeometry block_grid(const VolumeGeometry& scan, const Point3& centre, const BlockSettings& settings,
                          const LesionAnnotation* lesion);

// 1 on the block slices nearest to the scan's slices (halves rounded up), for the scan slices inside the block.
std::vector<std::uint8_t> annotated_slices_in_block(const VolumeGeometry& scan, const VolumeGeometry& block);

// A positive sample (label 1); id, patient and split are left to the caller. `noise_seed` seeds the rater noise
// protocol when settings.rater_noise is on.
DatasetSample cut_positive_block(const std::vector<float>& hu, const VolumeGeometry& scan,
                                 const LesionAnnotation& lesion, const BlockSettings& settings,
                                 std::uint64_t noise_seed = 0);

// An unlabelled block at `centre`: image, empty masks, annotated slices (for negatives and for sources whose
// positives have no lesion box).
DatasetSample cut_block_at(const std::vector<float>& hu, const VolumeGeometry& scan, const Point3& centre,
                           const BlockSettings& settings);

// Up to settings.negatives_per_scan negatives (label 0) at seeded random places clear of `avoid` and with enough
// lung; fewer when the scan has no room.
std::vector<DatasetSample> cut_negative_blocks(const std::vector<float>& hu, const VolumeGeometry& scan,
                                               const std::vector<AvoidSphere>& avoid, const BlockSettings& settings,
                                               std::uint64_t seed);

// Writes <dir>/<id>_image.nii.gz and <id>_mask.nii.gz (block grid, spacing from the sample).
void export_sample_nifti(const std::string& dir, const DatasetSample& sample, const VolumeShape& shape);

}  // namespace due
