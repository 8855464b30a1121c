#include "imaging/resample.h"

#include <itkIdentityTransform.h>
#include <itkImage.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "io/itk_bridge.h"

namespace due {
namespace {

template <typename Pixel, typename Interpolator>
std::vector<Pixel> resample(const std::vector<Pixel>& values, const VolumeGeometry& from, const VolumeGeometry& to,
                            Pixel outside) {
  using Image = itk::Image<Pixel, 3>;
  auto resampler = itk::ResampleImageFilter<Image, Image>::New();
  resampler->SetInput(itk_image_view(from, values));
  resampler->SetTransform(itk::IdentityTransform<double, 3>::New());
  resampler->SetInterpolator(Interpolator::New());
  resampler->SetDefaultPixelValue(outside);
  resampler->SetSize(itk_size(to.shape));
  resampler->SetOutputSpacing(itk_spacing(to.spacing));
  resampler->SetOutputOrigin(itk_origin(to.origin));
  resampler->SetOutputDirection(itk_direction(to.direction));
  resampler->Update();
  return values_of(*resampler->GetOutput());
}

}  // namespace

VolumeGeometry centred_grid(const VolumeGeometry& scan, const Point3& centre, const VolumeShape& shape,
                            const std::array<double, 3>& spacing) {
  VolumeGeometry grid;
  grid.shape = shape;
  grid.spacing = spacing;
  grid.direction = scan.direction;
  grid.origin = {0, 0, 0};
  // Place the grid so that its centre (continuous index (n-1)/2 on each axis) falls on `centre`.
  const Point3 offset = grid.to_physical((shape.depth - 1) / 2.0, (shape.height - 1) / 2.0, (shape.width - 1) / 2.0);
  for (int i = 0; i < 3; ++i) grid.origin[i] = centre[i] - offset[i];
  return grid;
}

std::vector<float> resample_linear(const std::vector<float>& values, const VolumeGeometry& from,
                                   const VolumeGeometry& to, float outside) {
  return resample<float, itk::LinearInterpolateImageFunction<itk::Image<float, 3>, double>>(values, from, to, outside);
}

std::vector<std::uint8_t> resample_nearest(const std::vector<std::uint8_t>& values, const VolumeGeometry& from,
                                           const VolumeGeometry& to) {
  return resample<std::uint8_t, itk::NearestNeighborInterpolateImageFunction<itk::Image<std::uint8_t, 3>, double>>(
      values, from, to, 0);
}

}  // namespace due
