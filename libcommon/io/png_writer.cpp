#include "io/png_writer.h"

#include <filesystem>

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkPNGImageIO.h>
#include <itkRGBPixel.h>

#include "io/atomic_output.h"
#include "util/errors.h"
#include "util/text.h"

namespace due {
namespace {

using RgbItkImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;


}  // namespace

void write_png(const std::string& path, const RgbImage& image) {
  if (image.width() == 0 || image.height() == 0) throw std::invalid_argument("write_png: empty image");
  auto itk_image = RgbItkImage::New();
  RgbItkImage::SizeType size;
  size[0] = image.width();
  size[1] = image.height();
  itk_image->SetRegions(RgbItkImage::RegionType(size));
  itk_image->Allocate();
  std::copy(image.bytes().begin(), image.bytes().end(),
            reinterpret_cast<unsigned char*>(itk_image->GetBufferPointer()));

  AtomicOutput output(path);
  const std::string temp = output.temp_path() + ".png";
  auto writer = itk::ImageFileWriter<RgbItkImage>::New();
  writer->SetImageIO(itk::PNGImageIO::New());
  writer->SetFileName(temp);
  writer->SetInput(itk_image);
  try {
    writer->Update();
    std::filesystem::rename(temp, output.temp_path());
  } catch (const itk::ExceptionObject& e) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    throw InputError(path + ": cannot write PNG (" + first_line(e.GetDescription()) + ")");
  }
  output.commit();
}

RgbImage read_png(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": no such file");
  auto io = itk::PNGImageIO::New();
  if (!io->CanReadFile(path.c_str())) throw InputError(path + ": not a PNG file");
  auto reader = itk::ImageFileReader<RgbItkImage>::New();
  reader->SetImageIO(io);
  reader->SetFileName(path);
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path + ": cannot read PNG (" + first_line(e.GetDescription()) + ")");
  }
  const RgbItkImage* itk_image = reader->GetOutput();
  const auto size = itk_image->GetLargestPossibleRegion().GetSize();
  RgbImage image(size[0], size[1]);
  const auto* pixels = itk_image->GetBufferPointer();
  for (std::size_t y = 0; y < size[1]; ++y)
    for (std::size_t x = 0; x < size[0]; ++x) {
      const auto& p = pixels[y * size[0] + x];
      image.set(x, y, Rgb{p[0], p[1], p[2]});
    }
  return image;
}

}  // namespace due
