#include "io/nifti_io.h"

#include <filesystem>

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkNiftiImageIO.h>

#include "io/atomic_output.h"
#include "io/itk_bridge.h"
#include "util/errors.h"
#include "util/text.h"

namespace due {
namespace {

template <typename Pixel>
void write_image(const std::string& path, const VolumeGeometry& geometry, const std::vector<Pixel>& values) {
  if (values.size() != geometry.shape.voxels()) throw std::logic_error("write_nifti: buffer does not match shape");
  AtomicOutput output(path);
  // ITK picks the writer by extension: keep the final one on the name it writes. Its NIfTI writer ignores failed
  // writes (a full disk gave 0-byte files and exit 0): it writes into memory, the atomic writer to disk.
  const std::string extension = path.size() > 7 && path.substr(path.size() - 7) == ".nii.gz" ? ".nii.gz" : ".nii";
  output.write_with_library(extension, [&](const std::string& name) {
    auto writer = itk::ImageFileWriter<itk::Image<Pixel, 3>>::New();
    writer->SetImageIO(itk::NiftiImageIO::New());
    writer->SetFileName(name);
    writer->SetInput(itk_image_view(geometry, values));
    try {
      writer->Update();
    } catch (const itk::ExceptionObject& e) {
      throw InputError(path + ": cannot write NIfTI (" + first_line(e.GetDescription()) + ")");
    }
  });
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
  NiftiVolume v;
  v.geometry = geometry_of(*reader->GetOutput());
  v.values = values_of(*reader->GetOutput());
  return v;
}

void write_nifti(const std::string& path, const VolumeGeometry& geometry, const std::vector<float>& values) {
  write_image(path, geometry, values);
}

void write_nifti(const std::string& path, const VolumeGeometry& geometry, const std::vector<std::uint8_t>& values) {
  write_image(path, geometry, values);
}

}  // namespace due
