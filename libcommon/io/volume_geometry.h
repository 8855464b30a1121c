#pragma once
// Where a voxel grid sits in patient space (ITK's convention, LPS millimetres), without ITK in the header.
#include <array>
#include <cstddef>

#include "io/dataset_store.h"

namespace due {

using Point3 = std::array<double, 3>;  // physical (x, y, z) in mm

struct VolumeGeometry {
  VolumeShape shape;                             // D, H, W
  std::array<double, 3> spacing{1, 1, 1};        // z, y, x in mm
  Point3 origin{0, 0, 0};                        // physical position of voxel (0, 0, 0)
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major; column j = physical axis of index j (x, y, z)

  // Continuous index (z, y, x) -> physical point, and back.
  Point3 to_physical(double z, double y, double x) const;
  std::array<double, 3> to_index(const Point3& p) const;  // (z, y, x)
  Point3 centre() const;
};

}  // namespace due
