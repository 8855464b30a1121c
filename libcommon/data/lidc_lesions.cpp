#include "data/lidc_lesions.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace due {
namespace {

// Union-find over nodules.
struct Groups {
  std::vector<std::size_t> parent;
  explicit Groups(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  std::size_t find(std::size_t i) { return parent[i] == i ? i : parent[i] = find(parent[i]); }
  void join(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

bool share_a_voxel(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) return true;
    if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

// Fills one reader nodule's ROIs into a slice-by-slice mask of `height` x `width` and calls `visit(slice, mask)`.
template <typename Visit>
void rasterise_rois(const std::vector<PlacedRoi>& rois, std::size_t height, std::size_t width, Visit visit) {
  std::vector<std::size_t> slices;
  for (const PlacedRoi& roi : rois) slices.push_back(roi.slice);
  std::sort(slices.begin(), slices.end());
  slices.erase(std::unique(slices.begin(), slices.end()), slices.end());
  std::vector<std::uint8_t> mask(height * width);
  for (std::size_t slice : slices) {
    std::fill(mask.begin(), mask.end(), 0);
    for (const PlacedRoi& roi : rois)  // inclusions first, then the holes
      if (roi.slice == slice && roi.inclusion) fill_contour(mask, height, width, roi.contour, 1, true);
    for (const PlacedRoi& roi : rois)
      if (roi.slice == slice && !roi.inclusion) fill_contour(mask, height, width, roi.contour, 0, false);
    visit(slice, mask);
  }
}

}  // namespace

long match_roi_slice(const ScanVolume& scan, const std::string& sop_uid, double z_position) {
  if (!sop_uid.empty()) {
    for (std::size_t k = 0; k < scan.sop_uids.size(); ++k)
      if (scan.sop_uids[k] == sop_uid) return static_cast<long>(k);
  }
  const double half_step = scan.geometry.spacing[0] / 2;
  long best = -1;
  double best_distance = half_step;
  for (std::size_t k = 0; k < scan.slice_positions.size(); ++k) {
    const double distance = std::abs(scan.slice_positions[k] - z_position);
    if (distance < best_distance) {
      best_distance = distance;
      best = static_cast<long>(k);
    }
  }
  return best;
}

LidcScanAnnotations build_lidc_annotations(const LidcReadMessage& message, const ScanVolume& scan,
                                           const LidcGrouping& grouping) {
  LidcScanAnnotations out;
  const VolumeShape& shape = scan.geometry.shape;
  out.readers = std::min(message.sessions.size(), grouping.max_readers);
  for (std::size_t reader = 0; reader < out.readers; ++reader) {
    const LidcReadingSession& session = message.sessions[reader];
    for (const LidcNonNodule& non_nodule : session.non_nodules) {
      ++out.non_nodules;
      const long slice = match_roi_slice(scan, non_nodule.sop_uid, non_nodule.z_position);
      if (slice >= 0)
        out.marks_to_avoid.push_back(scan.geometry.to_physical(static_cast<double>(slice), non_nodule.locus.y,
                                                               non_nodule.locus.x));
    }
    for (const LidcNodule& nodule : session.nodules) {
      ReaderNodule placed;
      placed.reader = reader;
      placed.nodule_id = nodule.id;
      for (const LidcRoi& roi : nodule.rois) {
        ++out.rois_total;
        const long slice = match_roi_slice(scan, roi.sop_uid, roi.z_position);
        if (slice < 0) {
          ++out.rois_unmatched;
          continue;
        }
        for (const PixelPoint& p : roi.contour) {
          if (p.x >= 0 && p.y >= 0 && static_cast<std::size_t>(p.x) < shape.width &&
              static_cast<std::size_t>(p.y) < shape.height)
            continue;
          out.problems.push_back(message.path + ": reader " + std::to_string(reader + 1) +
                                 (session.reader_id.empty() ? "" : " (" + session.reader_id + ")") + ", nodule " +
                                 nodule.id + ": ROI on slice " + std::to_string(slice) + " reaches outside the " +
                                 std::to_string(shape.width) + "x" + std::to_string(shape.height) + " image (x " +
                                 std::to_string(p.x) + ", y " + std::to_string(p.y) + "); its mask is clipped");
          break;
        }
        placed.rois.push_back(PlacedRoi{static_cast<std::size_t>(slice), roi.inclusion, roi.contour});
      }
      if (placed.rois.empty()) continue;
      if (nodule.is_small()) {
        ++out.small_nodules;
        const PlacedRoi& roi = placed.rois.front();
        out.marks_to_avoid.push_back(
            scan.geometry.to_physical(static_cast<double>(roi.slice), roi.contour[0].y, roi.contour[0].x));
        continue;
      }
      double sum[3] = {0, 0, 0};
      rasterise_rois(placed.rois, shape.height, shape.width, [&](std::size_t slice, const std::vector<std::uint8_t>& m) {
        for (std::size_t y = 0; y < shape.height; ++y)
          for (std::size_t x = 0; x < shape.width; ++x)
            if (m[y * shape.width + x]) {
              placed.voxels.push_back((static_cast<std::uint64_t>(slice) * shape.height + y) * shape.width + x);
              sum[0] += static_cast<double>(slice);
              sum[1] += static_cast<double>(y);
              sum[2] += static_cast<double>(x);
            }
      });
      if (placed.voxels.empty()) {
        out.problems.push_back(message.path + ": reader " + std::to_string(reader + 1) + ", nodule " + nodule.id +
                               ": no voxel of the image inside its ROIs; the nodule is dropped");
        continue;
      }
      std::sort(placed.voxels.begin(), placed.voxels.end());
      const double n = static_cast<double>(placed.voxels.size());
      placed.centroid = {sum[0] / n, sum[1] / n, sum[2] / n};
      out.nodules.push_back(std::move(placed));
    }
  }

  Groups groups(out.nodules.size());
  for (std::size_t a = 0; a < out.nodules.size(); ++a) {
    for (std::size_t b = a + 1; b < out.nodules.size(); ++b) {
      const ReaderNodule &p = out.nodules[a], &q = out.nodules[b];
      const Point3 pa = scan.geometry.to_physical(p.centroid[0], p.centroid[1], p.centroid[2]);
      const Point3 pb = scan.geometry.to_physical(q.centroid[0], q.centroid[1], q.centroid[2]);
      const double distance = std::hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]);
      if (distance <= grouping.distance_mm || share_a_voxel(p.voxels, q.voxels)) groups.join(a, b);
    }
  }
  std::vector<long> lesion_of_root(out.nodules.size(), -1);
  for (std::size_t i = 0; i < out.nodules.size(); ++i) {
    const std::size_t root = groups.find(i);
    if (lesion_of_root[root] < 0) {
      lesion_of_root[root] = static_cast<long>(out.lesions.size());
      out.lesions.emplace_back();
    }
    out.lesions[static_cast<std::size_t>(lesion_of_root[root])].nodules.push_back(i);
  }
  return out;
}

LesionAnnotation lesion_annotation(const LidcScanAnnotations& annotations, const LidcLesion& lesion,
                                   const ScanVolume& scan, const std::array<double, 3>& half_extent_mm,
                                   std::size_t rater_slots) {
  const VolumeGeometry& g = scan.geometry;
  LesionAnnotation out;
  // Centre: the centroid of all the readers' voxels together.
  double sum[3] = {0, 0, 0}, count = 0;
  std::size_t first = g.shape.depth, last = 0;
  for (std::size_t index : lesion.nodules) {
    const ReaderNodule& nodule = annotations.nodules[index];
    const double n = static_cast<double>(nodule.voxels.size());
    for (int a = 0; a < 3; ++a) sum[a] += nodule.centroid[a] * n;
    count += n;
    for (const PlacedRoi& roi : nodule.rois) {
      first = std::min(first, roi.slice);
      last = std::max(last, roi.slice);
    }
  }
  const std::array<double, 3> centre_index{sum[0] / count, sum[1] / count, sum[2] / count};
  out.centre = g.to_physical(centre_index[0], centre_index[1], centre_index[2]);
  out.first_slice = first;
  out.last_slice = last;

  // A box of the scan around the centre, wide enough for the block and for the lesion itself.
  std::size_t lo[3], hi[3];
  const std::size_t extent[3] = {g.shape.depth, g.shape.height, g.shape.width};
  for (int a = 0; a < 3; ++a) {
    const double half = half_extent_mm[a] / g.spacing[a] + 2;
    lo[a] = static_cast<std::size_t>(std::clamp(std::floor(centre_index[a] - half), 0.0, static_cast<double>(extent[a] - 1)));
    hi[a] = static_cast<std::size_t>(std::clamp(std::ceil(centre_index[a] + half) + 1, 1.0, static_cast<double>(extent[a])));
  }
  lo[0] = std::min(lo[0], first);
  hi[0] = std::max(hi[0], last + 1);
  out.region = g;
  out.region.shape = VolumeShape{hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]};
  out.region.origin = g.to_physical(static_cast<double>(lo[0]), static_cast<double>(lo[1]), static_cast<double>(lo[2]));

  out.masks.assign(rater_slots, {});
  out.present.assign(rater_slots, 0);
  const std::size_t H = out.region.shape.height, W = out.region.shape.width;
  for (std::size_t index : lesion.nodules) {
    const ReaderNodule& nodule = annotations.nodules[index];
    if (nodule.reader >= rater_slots) continue;
    std::vector<std::uint8_t>& mask = out.masks[nodule.reader];
    if (mask.empty()) mask.assign(out.region.shape.voxels(), 0);
    out.present[nodule.reader] = 1;
    for (std::uint64_t v : nodule.voxels) {
      const std::size_t x = v % g.shape.width, y = (v / g.shape.width) % g.shape.height,
                        z = v / (static_cast<std::uint64_t>(g.shape.width) * g.shape.height);
      if (z < lo[0] || z >= hi[0] || y < lo[1] || y >= hi[1] || x < lo[2] || x >= hi[2]) continue;
      mask[((z - lo[0]) * H + (y - lo[1])) * W + (x - lo[2])] = 1;
      const Point3 p = g.to_physical(static_cast<double>(z), static_cast<double>(y), static_cast<double>(x));
      out.radius_mm = std::max(out.radius_mm, std::hypot(p[0] - out.centre[0], p[1] - out.centre[1], p[2] - out.centre[2]));
    }
  }
  return out;
}

}  // namespace due
