#include "metrics/mask_similarity.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace due {
namespace {

// Summed-volume table with a zero border: S(z, y, x) = sum of v over [0, z) x [0, y) x [0, x).
class SummedVolume {
 public:
  SummedVolume(const std::vector<double>& v, const std::array<std::size_t, 3>& d)
      : H1(d[1] + 1), W1(d[2] + 1), s_((d[0] + 1) * H1 * W1, 0.0) {
    for (std::size_t z = 1; z <= d[0]; ++z)
      for (std::size_t y = 1; y <= d[1]; ++y)
        for (std::size_t x = 1; x <= d[2]; ++x)
          s_[at(z, y, x)] = v[((z - 1) * d[1] + (y - 1)) * d[2] + (x - 1)] + s_[at(z - 1, y, x)] + s_[at(z, y - 1, x)] +
                            s_[at(z, y, x - 1)] - s_[at(z - 1, y - 1, x)] - s_[at(z - 1, y, x - 1)] -
                            s_[at(z, y - 1, x - 1)] + s_[at(z - 1, y - 1, x - 1)];
  }
  // Sum over the box [z, z + w[0]) x [y, y + w[1]) x [x, x + w[2]).
  double box(std::size_t z, std::size_t y, std::size_t x, const std::array<std::size_t, 3>& w) const {
    const std::size_t z1 = z + w[0], y1 = y + w[1], x1 = x + w[2];
    return s_[at(z1, y1, x1)] - s_[at(z, y1, x1)] - s_[at(z1, y, x1)] - s_[at(z1, y1, x)] + s_[at(z, y, x1)] +
           s_[at(z, y1, x)] + s_[at(z1, y, x)] - s_[at(z, y, x)];
  }

 private:
  std::size_t at(std::size_t z, std::size_t y, std::size_t x) const { return (z * H1 + y) * W1 + x; }
  std::size_t H1, W1;
  std::vector<double> s_;
};

}  // namespace

double mean_squared_error(const float* a, const float* b, std::size_t voxels) {
  if (voxels == 0) throw std::invalid_argument("mean_squared_error: no voxels");
  double sum = 0;
  for (std::size_t i = 0; i < voxels; ++i) sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return sum / static_cast<double>(voxels);
}

double binary_cross_entropy(const float* probability, const std::uint8_t* reference, std::size_t voxels, double eps) {
  if (voxels == 0) throw std::invalid_argument("binary_cross_entropy: no voxels");
  double sum = 0;
  for (std::size_t i = 0; i < voxels; ++i) {
    const double p = std::clamp(static_cast<double>(probability[i]), eps, 1 - eps);
    sum -= reference[i] ? std::log(p) : std::log(1 - p);
  }
  return sum / static_cast<double>(voxels);
}

double ssim_3d(const float* a, const float* b, const std::array<std::size_t, 3>& dims, std::size_t window,
               double data_range) {
  const std::size_t voxels = dims[0] * dims[1] * dims[2];
  if (voxels == 0 || window == 0) throw std::invalid_argument("ssim_3d: empty volume or window");
  const std::array<std::size_t, 3> w{std::min(window, dims[0]), std::min(window, dims[1]), std::min(window, dims[2])};
  std::vector<double> va(voxels), vb(voxels), vaa(voxels), vbb(voxels), vab(voxels);
  for (std::size_t i = 0; i < voxels; ++i) {
    va[i] = a[i];
    vb[i] = b[i];
    vaa[i] = va[i] * va[i];
    vbb[i] = vb[i] * vb[i];
    vab[i] = va[i] * vb[i];
  }
  const SummedVolume sa(va, dims), sb(vb, dims), saa(vaa, dims), sbb(vbb, dims), sab(vab, dims);
  const double n = static_cast<double>(w[0] * w[1] * w[2]);
  const double c1 = (0.01 * data_range) * (0.01 * data_range), c2 = (0.03 * data_range) * (0.03 * data_range);
  double total = 0;
  std::size_t windows = 0;
  for (std::size_t z = 0; z + w[0] <= dims[0]; ++z)
    for (std::size_t y = 0; y + w[1] <= dims[1]; ++y)
      for (std::size_t x = 0; x + w[2] <= dims[2]; ++x) {
        const double ma = sa.box(z, y, x, w) / n, mb = sb.box(z, y, x, w) / n;
        const double var_a = saa.box(z, y, x, w) / n - ma * ma, var_b = sbb.box(z, y, x, w) / n - mb * mb;
        const double cov = sab.box(z, y, x, w) / n - ma * mb;
        total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (var_a + var_b + c2));
        ++windows;
      }
  return total / static_cast<double>(windows);
}

}  // namespace due
