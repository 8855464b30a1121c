#include "imaging/smoothing.h"

#include <algorithm>
#include <stdexcept>

#include <itkImage.h>
#include <itkImportImageFilter.h>
#include <itkMultiThreaderBase.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

namespace due {

void gaussian_smooth(std::vector<float>& volume, const VolumeShape& shape, const std::array<double, 3>& spacing_mm,
                     double sigma_mm) {
  if (sigma_mm <= 0) return;
  if (volume.size() != shape.voxels()) throw std::logic_error("gaussian_smooth: buffer does not match shape");
  using Image = itk::Image<float, 3>;
  using Importer = itk::ImportImageFilter<float, 3>;
  auto importer = Importer::New();
  Importer::SizeType size;
  size[0] = shape.width;
  size[1] = shape.height;
  size[2] = shape.depth;
  Importer::IndexType start;
  start.Fill(0);
  Importer::RegionType region(start, size);
  importer->SetRegion(region);
  const double spacing[3] = {spacing_mm[2], spacing_mm[1], spacing_mm[0]};
  importer->SetSpacing(spacing);
  importer->SetImportPointer(volume.data(), volume.size(), /*LetImageContainerManageMemory=*/false);

  using Smoother = itk::SmoothingRecursiveGaussianImageFilter<Image, Image>;
  auto smoother = Smoother::New();
  smoother->SetInput(importer->GetOutput());
  smoother->SetSigma(sigma_mm);
  smoother->Update();
  const Image* out = smoother->GetOutput();
  std::copy(out->GetBufferPointer(), out->GetBufferPointer() + volume.size(), volume.begin());
}

void set_itk_threads(int threads) {
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(std::max(1, threads));
}

}  // namespace due
