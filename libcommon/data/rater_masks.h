#pragma once
// Per-rater masks of one lesion over a region of a scan: what block cutting needs from any source.
#include <cstdint>
#include <vector>

#include "io/volume_geometry.h"

namespace due {

struct LesionAnnotation {
  VolumeGeometry region;                         // the grid the masks live on (a box of the scan, or all of it)
  std::vector<std::vector<std::uint8_t>> masks;  // one per rater slot, region.shape.voxels() each (empty: absent)
  std::vector<std::uint8_t> present;             // per rater slot
  std::vector<std::uint8_t> reference;           // the reference mask when a source gives one; empty: consensus
  Point3 centre{0, 0, 0};                        // where the block is centred (physical)
  double radius_mm = 0;                          // farthest marked voxel from the centre
  // The scan slices (index z in the scan) on which the lesion was drawn; used to fit the block's depth.
  std::size_t first_slice = 0, last_slice = 0;
};

}  // namespace due
