#include "io/volume_geometry.h"

namespace due {

Point3 VolumeGeometry::to_physical(double z, double y, double x) const {
  const double step[3] = {x * spacing[2], y * spacing[1], z * spacing[0]};  // along index axes x, y, z
  Point3 p = origin;
  for (int row = 0; row < 3; ++row)
    for (int column = 0; column < 3; ++column) p[row] += direction[row * 3 + column] * step[column];
  return p;
}

std::array<double, 3> VolumeGeometry::to_index(const Point3& p) const {
  // The direction matrix is orthonormal: its inverse is its transpose.
  double step[3] = {0, 0, 0};
  for (int column = 0; column < 3; ++column)
    for (int row = 0; row < 3; ++row) step[column] += direction[row * 3 + column] * (p[row] - origin[row]);
  return {step[2] / spacing[0], step[1] / spacing[1], step[0] / spacing[2]};
}

Point3 VolumeGeometry::centre() const {
  return to_physical((shape.depth - 1) / 2.0, (shape.height - 1) / 2.0, (shape.width - 1) / 2.0);
}

}  // namespace due
