#pragma once
// RGB images to and from PNG through ITK.
#include <string>

#include "imaging/montage.h"

namespace due {

// Writes atomically (temporary name, then rename). InputError naming the file when it cannot be written.
void write_png(const std::string& path, const RgbImage& image);

// Reads an 8-bit RGB (or grey, expanded to RGB) PNG. InputError naming the file when it cannot be read.
RgbImage read_png(const std::string& path);

}  // namespace due
