#include "data/scan_sources.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "io/nifti_io.h"
#include "util/errors.h"
#include "util/seeding.h"

namespace due {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kNegativeStream = 0x1D1C;
constexpr std::uint64_t kRaterNoiseStream = 0x1D1D;

std::vector<std::string> sorted_entries(const std::string& folder, bool folders) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (folders ? entry.is_directory(ec) : entry.is_regular_file(ec)) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string nifti_stem(const std::string& name) {
  for (const char* extension : {".nii.gz", ".nii"}) {
    const std::string e = extension;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return name.substr(0, name.size() - e.size());
  }
  return "";
}

std::string existing_nifti(const std::string& folder, const std::string& id) {
  for (const char* extension : {".nii.gz", ".nii"}) {
    const std::string path = folder + "/" + id + extension;
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return path;
  }
  return "";
}

// Centroid (physical) of the voxels where `keep(value)` holds; false when there are none.
template <typename Keep>
bool centroid_of(const NiftiVolume& volume, Keep keep, Point3* centre, std::size_t* first, std::size_t* last) {
  const VolumeShape& s = volume.geometry.shape;
  double sum[3] = {0, 0, 0}, n = 0;
  *first = s.depth;
  *last = 0;
  for (std::size_t z = 0; z < s.depth; ++z)
    for (std::size_t y = 0; y < s.height; ++y)
      for (std::size_t x = 0; x < s.width; ++x)
        if (keep(volume.values[(z * s.height + y) * s.width + x])) {
          sum[0] += static_cast<double>(z);
          sum[1] += static_cast<double>(y);
          sum[2] += static_cast<double>(x);
          n += 1;
          *first = std::min(*first, z);
          *last = std::max(*last, z);
        }
  if (n == 0) return false;
  *centre = volume.geometry.to_physical(sum[0] / n, sum[1] / n, sum[2] / n);
  return true;
}

std::vector<std::uint8_t> binarised(const NiftiVolume& volume, float label) {
  std::vector<std::uint8_t> out(volume.values.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = label < 0 ? volume.values[i] > 0.5f : std::lround(volume.values[i]) == label;
  return out;
}

void require_same_grid(const NiftiVolume& image, const NiftiVolume& other, const std::string& path) {
  if (!(image.geometry.shape == other.geometry.shape))
    throw InputError(path + ": size differs from its image");
}

// --- LIDC ------------------------------------------------------------------------------------------------------
ScanOutcome run_lidc_patient(const std::string& folder, const std::string& patient, const BlockSettings& settings,
                             const LidcGrouping& grouping, std::uint64_t seed) {
  ScanOutcome outcome;
  std::vector<DicomSeriesFiles> all_series = find_dicom_series(folder);
  if (all_series.empty()) throw InputError(folder + ": no DICOM series");
  outcome.problems = files_outside_series(all_series);
  std::size_t series_index = 0;
  std::vector<std::string> problems;
  for (const DicomSeriesFiles& series : all_series) {
    ++series_index;
    // The readers' XML sits beside the slices and names its series.
    std::vector<LidcReadMessage> messages;
    for (const std::string& name : sorted_entries(series.folder, false)) {
      if (fs::path(name).extension() != ".xml") continue;
      const std::string path = series.folder + "/" + name;
      try {
        LidcReadMessage message = parse_lidc_xml(path);
        if (message.series_uid.empty() || message.series_uid == series.series_uid) messages.push_back(std::move(message));
      } catch (const InputError& e) {
        problems.push_back(e.what());
      }
    }
    if (messages.empty()) {
      problems.push_back(series.folder + ": no readers' XML for series " + series.series_uid);
      continue;
    }
    ScanVolume scan;
    try {
      scan = read_dicom_series(series);
    } catch (const InputError& e) {
      problems.push_back(e.what());
      continue;
    }
    const LidcScanAnnotations annotations = build_lidc_annotations(messages.front(), scan, grouping);
    outcome.problems.insert(outcome.problems.end(), annotations.problems.begin(), annotations.problems.end());
    if (annotations.rois_total > 0 && annotations.rois_unmatched == annotations.rois_total) {
      problems.push_back(messages.front().path + ": no ROI matches a slice of series " + series.series_uid);
      continue;
    }
    if (annotations.rois_unmatched > 0)
      outcome.notes.push_back(std::to_string(annotations.rois_unmatched) + " of " +
                              std::to_string(annotations.rois_total) +
                              " ROIs are on slices this series does not hold (partial series)");
    if (annotations.small_nodules + annotations.non_nodules > 0)
      outcome.notes.push_back(std::to_string(annotations.small_nodules) + " marks of nodules under 3 mm and " +
                              std::to_string(annotations.non_nodules) + " non-nodules recorded, not used as lesions");

    const std::string prefix = patient + "-s" + std::to_string(series_index);
    std::vector<AvoidSphere> avoid;
    const std::array<double, 3> half_extent{settings.spacing_mm[0] * settings.shape.depth / 2,
                                            settings.spacing_mm[1] * settings.shape.height / 2,
                                            settings.spacing_mm[2] * settings.shape.width / 2};
    for (std::size_t k = 0; k < annotations.lesions.size(); ++k) {
      const LesionAnnotation lesion =
          lesion_annotation(annotations, annotations.lesions[k], scan, half_extent, settings.rater_slots);
      avoid.push_back(AvoidSphere{lesion.centre, lesion.radius_mm + 2.0});
      const std::string id = prefix + "-lesion" + std::to_string(k + 1);
      DatasetSample sample = cut_positive_block(scan.hu, scan.geometry, lesion, settings,
                                                derive_seed(seed, kRaterNoiseStream, std::hash<std::string>{}(id)));
      sample.id = id;
      sample.patient = patient;
      outcome.samples.push_back(std::move(sample));
    }
    for (const Point3& mark : annotations.marks_to_avoid) avoid.push_back(AvoidSphere{mark, 5.0});
    std::vector<DatasetSample> negatives =
        cut_negative_blocks(scan.hu, scan.geometry, avoid, settings, derive_seed(seed, kNegativeStream, std::hash<std::string>{}(prefix)));
    if (negatives.size() < settings.negatives_per_scan)
      outcome.notes.push_back("room for " + std::to_string(negatives.size()) + " of " +
                              std::to_string(settings.negatives_per_scan) + " negative blocks");
    for (std::size_t k = 0; k < negatives.size(); ++k) {
      negatives[k].id = prefix + "-negative" + std::to_string(k + 1);
      negatives[k].patient = patient;
      outcome.samples.push_back(std::move(negatives[k]));
    }
  }
  if (outcome.samples.empty()) {
    // Skipped, with the input problems still reported one line each (a file left out of a series is why the
    // series has a gap).
    std::string why = problems.empty() ? "no block could be cut" : problems.front();
    if (problems.size() > 1) why += " (and " + std::to_string(problems.size() - 1) + " more problems)";
    outcome.skipped = why;
    return outcome;
  }
  for (const std::string& problem : problems) outcome.notes.push_back("skipped a series: " + problem);
  return outcome;
}

// --- NIfTI folder ----------------------------------------------------------------------------------------------
struct LabelRow {
  std::string id, patient;
  std::uint8_t label = 0;
};

std::vector<LabelRow> read_labels_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open");
  std::vector<LabelRow> rows;
  std::string line;
  std::size_t number = 0;
  std::map<std::string, int> column;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream stream(line);
    std::string field;
    while (std::getline(stream, field, ',')) fields.push_back(field);
    if (column.empty()) {
      for (std::size_t i = 0; i < fields.size(); ++i) column[fields[i]] = static_cast<int>(i);
      for (const char* needed : {"id", "label"})
        if (!column.count(needed)) throw InputError(path + ": header needs columns id,label[,patient]");
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      const auto it = column.find(name);
      return it != column.end() && static_cast<std::size_t>(it->second) < fields.size() ? fields[it->second] : "";
    };
    LabelRow row;
    row.id = get("id");
    row.patient = get("patient").empty() ? row.id : get("patient");
    const std::string label = get("label");
    if (row.id.empty() || (label != "0" && label != "1"))
      throw InputError(path + ":" + std::to_string(number) + ": expected id,label(0 or 1)[,patient], got '" + line + "'");
    row.label = label == "1";
    rows.push_back(row);
  }
  if (rows.empty()) throw InputError(path + ": no samples listed");
  return rows;
}

ScanOutcome run_nifti_sample(const std::string& root, const LabelRow& row, const std::vector<std::string>& rater_names,
                             const BlockSettings& settings) {
  const std::string image_path = existing_nifti(root + "/images", row.id);
  if (image_path.empty()) throw InputError(root + "/images/" + row.id + ".nii.gz: no such file");
  const NiftiVolume image = read_nifti(image_path);
  LesionAnnotation lesion;
  lesion.region = image.geometry;
  lesion.masks.assign(settings.rater_slots, {});
  lesion.present.assign(settings.rater_slots, 0);
  const std::string mask_path = existing_nifti(root + "/masks", row.id);
  std::vector<std::uint8_t> any(image.values.size(), 0);
  if (!mask_path.empty()) {
    const NiftiVolume mask = read_nifti(mask_path);
    require_same_grid(image, mask, mask_path);
    lesion.reference = binarised(mask, -1);
    for (std::size_t v = 0; v < any.size(); ++v) any[v] |= lesion.reference[v];
  }
  for (std::size_t r = 0; r < rater_names.size(); ++r) {
    const std::string path = existing_nifti(root + "/raters/" + rater_names[r], row.id);
    if (path.empty()) continue;
    const NiftiVolume rater = read_nifti(path);
    require_same_grid(image, rater, path);
    lesion.masks[r] = binarised(rater, -1);
    lesion.present[r] = 1;
    for (std::size_t v = 0; v < any.size(); ++v) any[v] |= lesion.masks[r][v];
  }
  if (rater_names.empty() && !lesion.reference.empty()) {  // the one mask is also the one rater
    lesion.masks[0] = lesion.reference;
    lesion.present[0] = 1;
  }
  ScanOutcome outcome;
  NiftiVolume union_volume{image.geometry, std::vector<float>(any.begin(), any.end())};
  Point3 centre = image.geometry.centre();
  const bool has_lesion =
      centroid_of(union_volume, [](float v) { return v > 0.5f; }, &centre, &lesion.first_slice, &lesion.last_slice);
  DatasetSample sample;
  if (row.label && has_lesion) {
    lesion.centre = centre;
    // These sources have no seed of their own: the id seeds the rater noise protocol.
    sample = cut_positive_block(image.values, image.geometry, lesion, settings, std::hash<std::string>{}(row.id));
  } else {
    sample = cut_block_at(image.values, image.geometry, centre, settings);
    if (row.label) outcome.notes.push_back("positive without a mask: its block has no annotation");
  }
  sample.label = row.label;
  sample.id = row.id;
  sample.patient = row.patient;
  outcome.samples.push_back(std::move(sample));
  return outcome;
}

// --- Pancreas --------------------------------------------------------------------------------------------------
ScanOutcome run_msd_case(const std::string& image_path, const std::string& label_path, const std::string& id,
                         const BlockSettings& settings) {
  const NiftiVolume image = read_nifti(image_path);
  const NiftiVolume labels = read_nifti(label_path);
  require_same_grid(image, labels, label_path);
  LesionAnnotation lesion;
  lesion.region = image.geometry;
  std::size_t first = 0, last = 0;
  if (!centroid_of(labels, [](float v) { return v > 0.5f; }, &lesion.centre, &first, &last))
    throw InputError(label_path + ": no pancreas label (1 or 2)");
  Point3 tumour_centre;
  if (!centroid_of(labels, [](float v) { return std::lround(v) == 2; }, &tumour_centre, &lesion.first_slice,
                   &lesion.last_slice))
    throw InputError(label_path + ": no tumour label (2)");
  lesion.masks.assign(settings.rater_slots, {});
  lesion.present.assign(settings.rater_slots, 0);
  lesion.masks[0] = binarised(labels, 2);
  lesion.present[0] = 1;
  ScanOutcome outcome;
  DatasetSample sample =
      cut_positive_block(image.values, image.geometry, lesion, settings, std::hash<std::string>{}(id));
  sample.id = id;
  sample.patient = id;
  outcome.samples.push_back(std::move(sample));
  return outcome;
}

ScanOutcome run_nih_case(const std::string& folder, const std::string& label_path, const std::string& id,
                         const BlockSettings& settings) {
  const std::vector<DicomSeriesFiles> series = find_dicom_series(folder);
  if (series.empty()) throw InputError(folder + ": no DICOM series");
  const ScanVolume scan = read_dicom_series(series.front());
  const NiftiVolume labels = read_nifti(label_path);
  if (labels.values.size() != scan.hu.size()) throw InputError(label_path + ": size differs from the CT series in " + folder);
  // The NIH labels share the series' voxel grid; take the CT's geometry for both.
  NiftiVolume on_ct{scan.geometry, labels.values};
  Point3 centre = scan.geometry.centre();
  std::size_t first = 0, last = 0;
  ScanOutcome outcome;
  if (!centroid_of(on_ct, [](float v) { return v > 0.5f; }, &centre, &first, &last))
    outcome.notes.push_back("no pancreas label: block centred on the scan");
  DatasetSample sample = cut_block_at(scan.hu, scan.geometry, centre, settings);
  sample.label = 0;
  sample.id = id;
  sample.patient = id;
  outcome.samples.push_back(std::move(sample));
  return outcome;
}

std::vector<ScanJob> limited(std::vector<ScanJob> jobs, std::size_t limit) {
  if (limit > 0 && jobs.size() > limit) jobs.resize(limit);
  return jobs;
}

void require_folder(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) throw InputError(path + ": no such folder (" + what + ")");
}

}  // namespace

std::vector<ScanJob> lidc_jobs(const std::string& root, const BlockSettings& settings, const LidcGrouping& grouping,
                               std::size_t limit_patients, std::uint64_t seed) {
  require_folder(root, "--root of LIDC-IDRI: one folder per patient");
  std::vector<ScanJob> jobs;
  for (const std::string& patient : sorted_entries(root, true)) {
    const std::string folder = root + "/" + patient;
    jobs.push_back(ScanJob{folder, [folder, patient, settings, grouping, seed] {
                             return run_lidc_patient(folder, patient, settings, grouping, seed);
                           }, patient});
  }
  return limited(std::move(jobs), limit_patients);
}

std::vector<ScanJob> nifti_jobs(const std::string& root, const std::string& labels_csv, BlockSettings& settings,
                                std::size_t limit_patients) {
  require_folder(root + "/images", "--root of a NIfTI folder needs images/");
  const std::vector<LabelRow> rows = read_labels_csv(root + "/" + labels_csv);
  std::vector<std::string> rater_names;
  std::error_code ec;
  if (fs::is_directory(root + "/raters", ec)) rater_names = sorted_entries(root + "/raters", true);
  settings.rater_slots = std::max<std::size_t>(1, rater_names.size());
  std::vector<ScanJob> jobs;
  std::vector<std::string> seen_patients;
  for (const LabelRow& row : rows) {
    if (limit_patients > 0 && std::find(seen_patients.begin(), seen_patients.end(), row.patient) == seen_patients.end()) {
      if (seen_patients.size() >= limit_patients) continue;
      seen_patients.push_back(row.patient);
    }
    const BlockSettings job_settings = settings;
    jobs.push_back(ScanJob{root + "/images/" + row.id, [root, row, rater_names, job_settings] {
                             return run_nifti_sample(root, row, rater_names, job_settings);
                           }, row.patient});
  }
  return jobs;
}

std::vector<ScanJob> pancreas_jobs(const std::string& root, const PancreasLayout& layout, BlockSettings& settings,
                                   std::size_t limit_patients) {
  settings.rater_slots = 1;
  const std::string msd = root + "/" + layout.msd_dir;
  const std::string nih = root + "/" + layout.nih_images_dir;
  const std::string nih_labels = root + "/" + layout.nih_labels_dir;
  require_folder(msd + "/imagesTr", "MSD Task07 images, preprocess.pancreas.msd_dir");
  require_folder(nih, "NIH Pancreas-CT, preprocess.pancreas.nih_images_dir");
  require_folder(nih_labels, "NIH pancreas labels, preprocess.pancreas.nih_labels_dir");
  std::vector<ScanJob> positives, negatives;
  const BlockSettings job_settings = settings;
  for (const std::string& name : sorted_entries(msd + "/imagesTr", false)) {
    const std::string stem = nifti_stem(name);
    if (stem.empty() || name[0] == '.') continue;  // MSD archives carry macOS "._" files
    const std::string image = msd + "/imagesTr/" + name, label = existing_nifti(msd + "/labelsTr", stem);
    if (label.empty()) continue;
    positives.push_back(ScanJob{image, [image, label, stem, job_settings] {
                                  return run_msd_case(image, label, "msd-" + stem, job_settings);
                                }, "msd-" + stem});
  }
  for (const std::string& patient : sorted_entries(nih, true)) {
    // PANCREAS_0001 <-> label0001.nii.gz
    const std::string digits = patient.substr(patient.find_last_of('_') + 1);
    const std::string label = existing_nifti(nih_labels, "label" + digits);
    if (label.empty()) continue;
    const std::string folder = nih + "/" + patient;
    negatives.push_back(ScanJob{folder, [folder, label, patient, job_settings] {
                                  return run_nih_case(folder, label, "nih-" + patient, job_settings);
                                }, "nih-" + patient});
  }
  positives = limited(std::move(positives), limit_patients);
  negatives = limited(std::move(negatives), limit_patients);
  positives.insert(positives.end(), std::make_move_iterator(negatives.begin()), std::make_move_iterator(negatives.end()));
  return positives;
}

}  // namespace due
