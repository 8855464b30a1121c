#include "imaging/smoothing.h"

#include <algorithm>
#include <stdexcept>

#include <itkImage.h>
#include <itkMultiThreaderBase.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include "io/itk_bridge.h"

namespace due {

void gaussian_smooth(std::vector<float>& volume, const VolumeShape& shape, const std::array<double, 3>& spacing_mm,
                     double sigma_mm) {
  if (sigma_mm <= 0) return;
  if (volume.size() != shape.voxels()) throw std::logic_error("gaussian_smooth: buffer does not match shape");
  using Image = itk::Image<float, 3>;
  VolumeGeometry grid;
  grid.shape = shape;
  grid.spacing = spacing_mm;

  using Smoother = itk::SmoothingRecursiveGaussianImageFilter<Image, Image>;
  auto smoother = Smoother::New();
  smoother->SetInput(itk_image_view(grid, volume));
  smoother->SetSigma(sigma_mm);
  smoother->Update();
  const Image* out = smoother->GetOutput();
  std::copy(out->GetBufferPointer(), out->GetBufferPointer() + volume.size(), volume.begin());
}

void set_itk_threads(int threads) {
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(std::max(1, threads));
}

}  // namespace due
