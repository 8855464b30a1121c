#include "io/nifti_io.h"

#include <filesystem>

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkNiftiImageIO.h>

#include "io/atomic_output.h"
#include "util/errors.h"
#include "util/text.h"

namespace due {
namespace {


template <typename Pixel>
typename itk::Image<Pixel, 3>::Pointer to_itk(const VolumeGeometry& g, const std::vector<Pixel>& values) {
  using Image = itk::Image<Pixel, 3>;
  auto image = Image::New();
  typename Image::SizeType size;
  size[0] = g.shape.width;
  size[1] = g.shape.height;
  size[2] = g.shape.depth;
  image->SetRegions(typename Image::RegionType(size));
  typename Image::SpacingType spacing;
  spacing[0] = g.spacing[2];
  spacing[1] = g.spacing[1];
  spacing[2] = g.spacing[0];
  image->SetSpacing(spacing);
  typename Image::PointType origin;
  for (int i = 0; i < 3; ++i) origin[i] = g.origin[i];
  image->SetOrigin(origin);
  typename Image::DirectionType direction;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) direction[r][c] = g.direction[r * 3 + c];
  image->SetDirection(direction);
  image->Allocate();
  std::copy(values.begin(), values.end(), image->GetBufferPointer());
  return image;
}

template <typename Pixel>
void write_image(const std::string& path, const VolumeGeometry& geometry, const std::vector<Pixel>& values) {
  if (values.size() != geometry.shape.voxels()) throw std::logic_error("write_nifti: buffer does not match shape");
  AtomicOutput output(path);
  // ITK picks the writer by extension: keep the final one on the temporary name.
  const std::string extension = path.size() > 7 && path.substr(path.size() - 7) == ".nii.gz" ? ".nii.gz" : ".nii";
  const std::string temp = output.temp_path() + extension;
  auto writer = itk::ImageFileWriter<itk::Image<Pixel, 3>>::New();
  writer->SetImageIO(itk::NiftiImageIO::New());
  writer->SetFileName(temp);
  writer->SetInput(to_itk(geometry, values));
  try {
    writer->Update();
    std::filesystem::rename(temp, output.temp_path());
  } catch (const itk::ExceptionObject& e) {
    std::filesystem::remove(temp);
    throw InputError(path + ": cannot write NIfTI (" + first_line(e.GetDescription()) + ")");
  }
  output.commit();
}

}  // namespace

NiftiVolume read_nifti(const std::string& path) {
  using Image = itk::Image<float, 3>;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": no such file");
  auto io = itk::NiftiImageIO::New();
  if (!io->CanReadFile(path.c_str())) throw InputError(path + ": not a NIfTI file");
  io->SetFileName(path);
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path + ": cannot read NIfTI header (" + first_line(e.GetDescription()) + ")");
  }
  if (io->GetNumberOfDimensions() != 3 || io->GetNumberOfComponents() != 1)
    throw InputError(path + ": expected a 3D single-channel volume, found " + std::to_string(io->GetNumberOfDimensions()) +
                     " dimensions and " + std::to_string(io->GetNumberOfComponents()) + " components");
  auto reader = itk::ImageFileReader<Image>::New();
  reader->SetImageIO(io);
  reader->SetFileName(path);
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path + ": cannot read NIfTI (" + first_line(e.GetDescription()) + ")");
  }
  const Image* image = reader->GetOutput();
  NiftiVolume v;
  const auto size = image->GetLargestPossibleRegion().GetSize();
  v.geometry.shape = VolumeShape{size[2], size[1], size[0]};
  v.geometry.spacing = {image->GetSpacing()[2], image->GetSpacing()[1], image->GetSpacing()[0]};
  for (int i = 0; i < 3; ++i) v.geometry.origin[i] = image->GetOrigin()[i];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) v.geometry.direction[r * 3 + c] = image->GetDirection()[r][c];
  v.values.assign(image->GetBufferPointer(), image->GetBufferPointer() + v.geometry.shape.voxels());
  return v;
}

void write_nifti(const std::string& path, const VolumeGeometry& geometry, const std::vector<float>& values) {
  write_image(path, geometry, values);
}

void write_nifti(const std::string& path, const VolumeGeometry& geometry, const std::vector<std::uint8_t>& values) {
  write_image(path, geometry, values);
}

}  // namespace due
