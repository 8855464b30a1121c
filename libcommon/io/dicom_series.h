#pragma once
// CT series through ITK/GDCM: finding series in a folder tree, reading one in Hounsfield units with its
// geometry and per-slice identifiers, and writing one (tests build real DICOM inputs with it).
#include <string>
#include <vector>

#include "io/volume_geometry.h"

namespace due {

struct DicomSeriesFiles {
  std::string folder;
  std::string series_uid;
  std::vector<std::string> files;  // sorted along the slice normal, as ITK reads them
};

// Every DICOM series in `folder` and its subfolders (a folder may hold several). GDCM's and ITK's own warnings
// about unreadable files are silenced: files_outside_series names them instead.
std::vector<DicomSeriesFiles> find_dicom_series(const std::string& folder);

// The files in the folders of `series` that no series holds (the readers' .xml aside), one line each naming the
// file and what it is (empty, not DICOM): GDCM passes over them, so a series missing such a slice reads as having
// a gap.
std::vector<std::string> files_outside_series(const std::vector<DicomSeriesFiles>& series);

struct ScanVolume {
  VolumeGeometry geometry;
  std::vector<float> hu;                // D*H*W, rescale slope/intercept applied
  std::vector<std::string> sop_uids;    // per slice (index z)
  std::vector<double> slice_positions;  // per slice: image position z (0020,0032), what LIDC's imageZposition gives
  std::string series_uid;
  std::string patient_id;
  std::string source;                   // folder or file it came from
};

// Throws InputError naming the series folder when a file is unreadable, slices are missing or irregular, or the
// pixel spacing is not positive.
ScanVolume read_dicom_series(const DicomSeriesFiles& series);

struct DicomWriteSpec {
  std::string folder;
  std::string patient_id = "TEST";
  std::string study_uid, series_uid;
  std::vector<std::string> sop_uids;  // per slice
  double rescale_intercept = -1024;   // stored value = HU - intercept
};
// Writes `volume` (HU, axial, identity direction) as one file per slice, "<index>.dcm".
void write_dicom_series(const ScanVolume& volume, const DicomWriteSpec& spec);

}  // namespace due
