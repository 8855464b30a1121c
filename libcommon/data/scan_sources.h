#pragma once
// The real-data sources of due-preprocess, each turned into scan jobs for write_scan_dataset.
#include <cstdint>
#include <string>
#include <vector>

#include "data/lidc_lesions.h"
#include "data/scan_blocks.h"
#include "data/scan_dataset.h"

namespace due {

// LIDC-IDRI as TCIA delivers it: ROOT/<patient>/<study>/<series>/{*.dcm, *.xml}. One job per patient folder
// (sorted; `limit_patients` > 0 keeps the first ones).
std::vector<ScanJob> lidc_jobs(const std::string& root, const BlockSettings& settings, const LidcGrouping& grouping,
                               std::size_t limit_patients, std::uint64_t seed);

// A folder of images/*.nii.gz, optional masks/*.nii.gz and raters/<name>/*.nii.gz, and labels.csv (id,label,patient).
// `rater_slots` is set to the number of rater folders (1 when there are none).
std::vector<ScanJob> nifti_jobs(const std::string& root, const std::string& labels_csv, BlockSettings& settings,
                                std::size_t limit_patients);

struct PancreasLayout {
  std::string msd_dir = "Task07_Pancreas";                     // imagesTr/, labelsTr/
  std::string nih_images_dir = "Pancreas-CT";                  // PANCREAS_0001/.../*.dcm
  std::string nih_labels_dir = "TCIA_pancreas_labels-02-05-2017";  // label0001.nii.gz
};
// Positives from MSD Task07 (tumour = label 2 is the annotation, the pancreas centres the block), negatives from
// NIH Pancreas-CT (centred on the pancreas label).
std::vector<ScanJob> pancreas_jobs(const std::string& root, const PancreasLayout& layout, BlockSettings& settings,
                                   std::size_t limit_patients);

}  // namespace due
