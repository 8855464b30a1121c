#include "io/png_writer.h"

#include <csetjmp>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include <png.h>

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkPNGImageIO.h>
#include <itkRGBPixel.h>

#include "io/atomic_output.h"
#include "util/errors.h"
#include "util/text.h"

namespace due {
namespace {

// libpng reports errors by longjmp: the handler turns them into an exception-free flag for the caller.
struct PngBuffer {
  std::vector<unsigned char> bytes;
};

void append_to_buffer(png_structp png, png_bytep data, png_size_t size) {
  auto* buffer = static_cast<PngBuffer*>(png_get_io_ptr(png));
  buffer->bytes.insert(buffer->bytes.end(), data, data + size);
}

void no_flush(png_structp) {}

// The PNG file's bytes, encoded in memory: the file itself is written by the atomic writer, which checks every
// write (ITK's PNG writer, used before, crashed on a full disk with "double free or corruption").
std::vector<unsigned char> encode_png(const RgbImage& image) {
  PngBuffer buffer;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) throw std::bad_alloc();
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("write_png: libpng could not encode the image");
  }
  png_set_write_fn(png, &buffer, append_to_buffer, no_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width()), static_cast<png_uint_32>(image.height()), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const std::size_t stride = image.width() * 3;
  for (std::size_t y = 0; y < image.height(); ++y)
    png_write_row(png, const_cast<png_bytep>(image.bytes().data() + y * stride));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::move(buffer.bytes);
}

using RgbItkImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;

}  // namespace

void write_png(const std::string& path, const RgbImage& image) {
  if (image.width() == 0 || image.height() == 0) throw std::invalid_argument("write_png: empty image");
  AtomicOutput output(path);
  const std::vector<unsigned char> bytes = encode_png(image);
  output.write(bytes.data(), bytes.size());
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
