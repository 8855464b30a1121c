#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "metrics/mask_similarity.h"

namespace {

// SSIM straight from its definition, window by window, no summed tables.
double direct_ssim(const std::vector<float>& a, const std::vector<float>& b, const std::array<std::size_t, 3>& d,
                   const std::array<std::size_t, 3>& w) {
  const double c1 = 1e-4, c2 = 9e-4;
  double total = 0;
  std::size_t count = 0;
  for (std::size_t z = 0; z + w[0] <= d[0]; ++z)
    for (std::size_t y = 0; y + w[1] <= d[1]; ++y)
      for (std::size_t x = 0; x + w[2] <= d[2]; ++x) {
        std::vector<double> pa, pb;
        for (std::size_t k = z; k < z + w[0]; ++k)
          for (std::size_t j = y; j < y + w[1]; ++j)
            for (std::size_t i = x; i < x + w[2]; ++i) {
              pa.push_back(a[(k * d[1] + j) * d[2] + i]);
              pb.push_back(b[(k * d[1] + j) * d[2] + i]);
            }
        const double n = static_cast<double>(pa.size());
        double ma = 0, mb = 0;
        for (std::size_t k = 0; k < pa.size(); ++k) ma += pa[k] / n, mb += pb[k] / n;
        double va = 0, vb = 0, cov = 0;
        for (std::size_t k = 0; k < pa.size(); ++k) {
          va += (pa[k] - ma) * (pa[k] - ma) / n;
          vb += (pb[k] - mb) * (pb[k] - mb) / n;
          cov += (pa[k] - ma) * (pb[k] - mb) / n;
        }
        total += (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        ++count;
      }
  return total / static_cast<double>(count);
}

}  // namespace

TEST_CASE("mask similarity: MSE and BCE by hand", "[raters]") {
  const std::vector<float> p = {0.5f, 1.0f, 0.0f, 0.25f};
  const std::vector<float> q = {0.0f, 1.0f, 1.0f, 0.75f};
  CHECK(due::mean_squared_error(p.data(), q.data(), 4) == Approx((0.25 + 0 + 1 + 0.25) / 4));
  const std::vector<std::uint8_t> t = {1, 1, 0, 0};
  // -log 0.5, -log(1 - eps) ~ 0, -log(1 - 0) clamped ~ 0, -log 0.75
  CHECK(due::binary_cross_entropy(p.data(), t.data(), 4) == Approx((std::log(2.0) + std::log(4.0 / 3.0)) / 4).epsilon(1e-5));
  const std::vector<float> wrong = {0.f};
  const std::vector<std::uint8_t> one = {1};
  CHECK(due::binary_cross_entropy(wrong.data(), one.data(), 1, 1e-6) == Approx(-std::log(1e-6)));
}

TEST_CASE("mask similarity: SSIM is 1 on identical volumes, the luminance term on constants, and matches the "
          "definition", "[raters]") {
  const std::array<std::size_t, 3> d{5, 6, 7};
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> a(5 * 6 * 7), b(a.size());
  for (float& v : a) v = u(rng);
  for (float& v : b) v = u(rng);
  CHECK(due::ssim_3d(a.data(), a.data(), d, 3) == Approx(1.0));
  CHECK(due::ssim_3d(a.data(), b.data(), d, 3) == Approx(direct_ssim(a, b, d, {3, 3, 3})).epsilon(1e-9));
  // A 7-window is clamped per axis: one window, the whole 5x6x7 volume.
  CHECK(due::ssim_3d(a.data(), b.data(), d, 7) == Approx(direct_ssim(a, b, d, {5, 6, 7})).epsilon(1e-9));
  const std::vector<float> c1(a.size(), 0.2f), c2(a.size(), 0.6f);
  const double luminance = (2 * 0.2 * 0.6 + 1e-4) / (0.04 + 0.36 + 1e-4);
  CHECK(due::ssim_3d(c1.data(), c2.data(), d, 3) == Approx(luminance).epsilon(1e-6));
}
