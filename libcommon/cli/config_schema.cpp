#include "cli/config_schema.h"

namespace due {

// The form of each default fixes the key's type: write numbers that may be fractional with a decimal point,
// and quote strings that look like numbers.
const std::string& toolkit_config_schema() {
  static const std::string schema = R"yaml(
# Common to every tool; --seed, --device, --threads and --log-level set these too.
seed: 1
device: auto              # auto | cpu | cuda | cuda:N
threads: 0                # 0 = all cores
log_level: info           # debug | info | warn | error | quiet

io:
  gzip_level: 1           # 0..9; 1 is nearly as small as 9 on volumes and several times faster

preprocess:
  source: phantom         # phantom | lidc | pancreas | nifti
  root: ""                # data folder for lidc, pancreas and nifti
  block_size: [32, 64, 64]      # D, H, W of each sample block
  hu_window: [-1000.0, 400.0]   # HU clipped to this window, then scaled to [0, 1]
  consensus_level: 0.5          # fraction of the present raters that must agree for /mask
  limit_patients: 0             # > 0: only the first N patients (quick trials)
  strict: false                 # fail when any scan is skipped
  export_nifti: ""              # folder: also write each block and mask as NIfTI
  scan:                         # blocks cut from real scans (lidc, pancreas, nifti)
    block_spacing_mm: [1.0, 0.75, 0.75]  # z, y, x of the block grid; 0 on an axis: the scan's whole extent
    fit_lesion_depth: false     # true: the block's depth spans exactly the lesion's annotated slices (the paper)
    outside_hu: -1024.0         # block voxels beyond the scan
    negatives_per_scan: 2
    negative_min_lung_fraction: 0.25   # share of voxels under -500 HU a negative block needs
    negative_attempts: 100
  lidc:
    group_distance_mm: 5.0      # readers' nodules closer than this (or overlapping) are one lesion
    max_readers: 4
  pancreas:
    msd_dir: Task07_Pancreas
    nih_images_dir: Pancreas-CT
    nih_labels_dir: TCIA_pancreas_labels-02-05-2017
  nifti:
    labels_csv: labels.csv
  annotation:
    rule: due             # due: the positions of a coarser original slice spacing; every-k: every k-th slice
    slice_spacing_ratio: [3.0, 7.0]  # due rule: original spacing / block spacing, drawn per sample in this range
    every_k: 4            # every-k rule
  split:
    train_fraction: 0.5   # of the patients
    val_fraction: 0.2     # of the patients; the test split gets the rest
    train_size: 0         # class-balanced training set of this many samples; 0 = as large as balance allows
    balance_train: true
  phantom:
    patients: 40
    samples_per_patient: [1, 3]   # drawn uniformly per patient
    positive_fraction: 0.5
    spacing_mm: [1.5, 0.7, 0.7]   # z, y, x
    nodule_radius: [0.06, 0.16]   # fraction of the block's in-plane extent
    nodule_lobes: [0, 4]
    ground_glass_fraction: 0.25   # share of nodules that are ground-glass rather than solid
    vessels: [3, 7]
    vessel_radius_mm: [0.5, 1.6]
    chest_wall_probability: 0.25
    noise_hu: 40.0
    blur_mm: 0.5
    rater_missing_probability: 0.0
    raters:
      - {name: conservative, offset_mm: 0.8, noise_mm: 0.2}
      - {name: generous, offset_mm: -0.9, noise_mm: 0.2}
      - {name: noisy, offset_mm: 0.0, noise_mm: 0.9}
      - {name: precise, offset_mm: 0.0, noise_mm: 0.15}
)yaml";
  return schema;
}

}  // namespace due
