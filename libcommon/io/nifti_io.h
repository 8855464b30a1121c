#pragma once
// NIfTI volumes through ITK (images as float, label maps as integers), and writing blocks for inspection.
#include <cstdint>
#include <string>
#include <vector>

#include "io/volume_geometry.h"

namespace due {

struct NiftiVolume {
  VolumeGeometry geometry;
  std::vector<float> values;  // D*H*W
};

// Throws InputError naming the file when it cannot be read or is not 3D.
NiftiVolume read_nifti(const std::string& path);

// Writes a volume atomically (temporary name, then rename). `path` ends in .nii or .nii.gz.
void write_nifti(const std::string& path, const VolumeGeometry& geometry, const std::vector<float>& values);
void write_nifti(const std::string& path, const VolumeGeometry& geometry, const std::vector<std::uint8_t>& values);

}  // namespace due
