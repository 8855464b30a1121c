#pragma once
// From the readers' XML to lesions on a scan: ROIs matched to slices, each reader's nodules rasterised, the
// readers' nodules that are the same lesion grouped, and per-lesion rater masks.
#include <cstdint>
#include <string>
#include <vector>

#include "data/lidc_xml.h"
#include "data/rater_masks.h"
#include "io/dicom_series.h"

namespace due {

struct PlacedRoi {
  std::size_t slice = 0;
  bool inclusion = true;
  std::vector<PixelPoint> contour;
};

struct ReaderNodule {
  std::size_t reader = 0;  // reading session index
  std::string nodule_id;
  std::vector<PlacedRoi> rois;
  std::vector<std::uint64_t> voxels;  // sorted linear indices (z*H + y)*W + x of the filled nodule
  std::array<double, 3> centroid{0, 0, 0};  // continuous index (z, y, x)
};

struct LidcLesion {
  std::vector<std::size_t> nodules;  // indices into LidcScanAnnotations::nodules
};

struct LidcScanAnnotations {
  std::vector<ReaderNodule> nodules;     // lesions' building blocks (small nodules excluded)
  std::vector<LidcLesion> lesions;
  std::vector<Point3> marks_to_avoid;    // small nodules and non-nodules (physical), kept out of negative blocks
  std::size_t readers = 0;               // reading sessions used (at most max_readers)
  std::size_t small_nodules = 0, non_nodules = 0;
  std::size_t rois_total = 0, rois_unmatched = 0;  // ROIs on slices this series does not hold
  // One line per ROI that reaches outside the image, naming the XML file, the reader and the nodule: its mask is
  // clipped there, and a nodule left with no voxel is dropped (which can turn a positive into negatives).
  std::vector<std::string> problems;
};

struct LidcGrouping {
  double distance_mm = 5.0;  // centroids closer than this are the same lesion (as is any voxel overlap)
  std::size_t max_readers = 4;
};

// The slice of `scan` an ROI was drawn on: by SOP instance UID, else by z position (within half a slice step);
// -1 when the series does not hold it.
long match_roi_slice(const ScanVolume& scan, const std::string& sop_uid, double z_position);

LidcScanAnnotations build_lidc_annotations(const LidcReadMessage& message, const ScanVolume& scan,
                                           const LidcGrouping& grouping);

// The lesion's per-reader masks on a box of the scan covering at least `half_extent_mm` around its centre.
LesionAnnotation lesion_annotation(const LidcScanAnnotations& annotations, const LidcLesion& lesion,
                                   const ScanVolume& scan, const std::array<double, 3>& half_extent_mm,
                                   std::size_t rater_slots);

}  // namespace due
