#pragma once
// The one bridge between our volumes (a flat [D, H, W] buffer and a VolumeGeometry, spacing as (z, y, x)) and
// itk::Image (size, spacing and index as (x, y, z)). Header-only templates: include it only in sources that
// already use ITK.
#include <algorithm>
#include <vector>

#include <itkImage.h>
#include <itkImportImageFilter.h>

#include "io/volume_geometry.h"

namespace due {

inline itk::Size<3> itk_size(const VolumeShape& shape) {
  itk::Size<3> size;
  size[0] = shape.width;
  size[1] = shape.height;
  size[2] = shape.depth;
  return size;
}

inline itk::Vector<double, 3> itk_spacing(const std::array<double, 3>& spacing_zyx) {
  itk::Vector<double, 3> spacing;
  spacing[0] = spacing_zyx[2];
  spacing[1] = spacing_zyx[1];
  spacing[2] = spacing_zyx[0];
  return spacing;
}

inline itk::Point<double, 3> itk_origin(const Point3& origin) {
  itk::Point<double, 3> point;
  for (int i = 0; i < 3; ++i) point[i] = origin[i];
  return point;
}

inline itk::Matrix<double, 3, 3> itk_direction(const std::array<double, 9>& direction) {
  itk::Matrix<double, 3, 3> matrix;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) matrix[r][c] = direction[r * 3 + c];
  return matrix;
}

// A new image holding a copy of `values`, placed by `geometry`.
template <typename Pixel>
typename itk::Image<Pixel, 3>::Pointer itk_image_copy(const VolumeGeometry& geometry, const std::vector<Pixel>& values) {
  using Image = itk::Image<Pixel, 3>;
  auto image = Image::New();
  image->SetRegions(typename Image::RegionType(itk_size(geometry.shape)));
  image->SetSpacing(itk_spacing(geometry.spacing));
  image->SetOrigin(itk_origin(geometry.origin));
  image->SetDirection(itk_direction(geometry.direction));
  image->Allocate();
  std::copy(values.begin(), values.end(), image->GetBufferPointer());
  return image;
}

// An image over `values` without a copy (ITK reads it in place; the buffer must outlive the image's use).
template <typename Pixel>
typename itk::Image<Pixel, 3>::Pointer itk_image_view(const VolumeGeometry& geometry, const std::vector<Pixel>& values) {
  using Importer = itk::ImportImageFilter<Pixel, 3>;
  auto importer = Importer::New();
  typename Importer::IndexType start;
  start.Fill(0);
  importer->SetRegion(typename Importer::RegionType(start, itk_size(geometry.shape)));
  importer->SetSpacing(itk_spacing(geometry.spacing));
  importer->SetOrigin(itk_origin(geometry.origin));
  importer->SetDirection(itk_direction(geometry.direction));
  importer->SetImportPointer(const_cast<Pixel*>(values.data()), values.size(), /*LetImageContainerManageMemory=*/false);
  importer->Update();
  return importer->GetOutput();
}

// The geometry of an ITK image (shape, spacing, origin, direction).
inline VolumeGeometry geometry_of(const itk::ImageBase<3>& image) {
  VolumeGeometry g;
  const auto size = image.GetLargestPossibleRegion().GetSize();
  g.shape = VolumeShape{size[2], size[1], size[0]};
  g.spacing = {image.GetSpacing()[2], image.GetSpacing()[1], image.GetSpacing()[0]};
  for (int i = 0; i < 3; ++i) g.origin[i] = image.GetOrigin()[i];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) g.direction[r * 3 + c] = image.GetDirection()[r][c];
  return g;
}

// The voxels of an ITK image as our flat [D, H, W] buffer (ITK's x-fastest order is ours).
template <typename Pixel>
std::vector<Pixel> values_of(const itk::Image<Pixel, 3>& image) {
  const std::size_t voxels = image.GetLargestPossibleRegion().GetNumberOfPixels();
  return std::vector<Pixel>(image.GetBufferPointer(), image.GetBufferPointer() + voxels);
}

}  // namespace due
