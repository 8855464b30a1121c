#include "imaging/resample.h"

#include <itkIdentityTransform.h>
#include <itkImage.h>
#include <itkImportImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

namespace due {
namespace {

template <typename Pixel>
typename itk::Image<Pixel, 3>::Pointer wrap(const std::vector<Pixel>& values, const VolumeGeometry& g) {
  using Importer = itk::ImportImageFilter<Pixel, 3>;
  auto importer = Importer::New();
  typename Importer::SizeType size;
  size[0] = g.shape.width;
  size[1] = g.shape.height;
  size[2] = g.shape.depth;
  typename Importer::IndexType start;
  start.Fill(0);
  importer->SetRegion(typename Importer::RegionType(start, size));
  const double spacing[3] = {g.spacing[2], g.spacing[1], g.spacing[0]};
  importer->SetSpacing(spacing);
  importer->SetOrigin(g.origin.data());
  typename Importer::DirectionType direction;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) direction[r][c] = g.direction[r * 3 + c];
  importer->SetDirection(direction);
  importer->SetImportPointer(const_cast<Pixel*>(values.data()), values.size(), false);
  importer->Update();
  return importer->GetOutput();
}

template <typename Pixel, typename Interpolator>
std::vector<Pixel> resample(const std::vector<Pixel>& values, const VolumeGeometry& from, const VolumeGeometry& to,
                            Pixel outside) {
  using Image = itk::Image<Pixel, 3>;
  auto resampler = itk::ResampleImageFilter<Image, Image>::New();
  resampler->SetInput(wrap(values, from));
  resampler->SetTransform(itk::IdentityTransform<double, 3>::New());
  resampler->SetInterpolator(Interpolator::New());
  resampler->SetDefaultPixelValue(outside);
  typename Image::SizeType size;
  size[0] = to.shape.width;
  size[1] = to.shape.height;
  size[2] = to.shape.depth;
  resampler->SetSize(size);
  const double spacing[3] = {to.spacing[2], to.spacing[1], to.spacing[0]};
  resampler->SetOutputSpacing(spacing);
  resampler->SetOutputOrigin(to.origin.data());
  typename Image::DirectionType direction;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) direction[r][c] = to.direction[r * 3 + c];
  resampler->SetOutputDirection(direction);
  resampler->Update();
  const Image* out = resampler->GetOutput();
  return std::vector<Pixel>(out->GetBufferPointer(), out->GetBufferPointer() + to.shape.voxels());
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
