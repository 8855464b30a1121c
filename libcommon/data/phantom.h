#pragma once
// Synthetic CT-like phantoms, the toolkit's embedded default data: lung parenchyma with vessels, a chest wall
// in some blocks, a lobulated nodule in positives, four simulated raters with distinct habits, their
// consensus, and sparse annotated slices. Everything a sample holds depends only on (seed, sample index).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset_store.h"
#include "raters/rater_noise.h"

namespace due {

class Config;

struct RaterHabit {
  std::string name;
  double offset_mm = 0;  // > 0 draws inside the true boundary (conservative), < 0 outside (generous)
  double noise_mm = 0;   // amplitude of a smooth wobble of the contour
};

enum class AnnotationRule { Due, EveryK };

struct PhantomConfig {
  VolumeShape shape{32, 64, 64};
  std::array<double, 3> spacing_mm{1.5, 0.7, 0.7};  // z, y, x
  std::size_t patients = 40;
  std::array<std::size_t, 2> samples_per_patient{1, 3};
  double positive_fraction = 0.5;
  std::array<double, 2> nodule_radius{0.06, 0.16};  // fraction of the in-plane extent
  std::array<std::size_t, 2> nodule_lobes{0, 4};
  double ground_glass_fraction = 0.25;
  std::array<std::size_t, 2> vessels{3, 7};
  std::array<double, 2> vessel_radius_mm{0.5, 1.6};
  double chest_wall_probability = 0.25;
  double noise_hu = 40;
  double blur_mm = 0.5;
  double rater_missing_probability = 0;
  std::vector<RaterHabit> raters;
  double consensus_level = 0.5;
  RaterNoiseSettings rater_noise;  // applied to the raters after /mask is taken from them
  std::array<double, 2> hu_window{-1000, 400};
  AnnotationRule annotation_rule = AnnotationRule::Due;
  std::array<double, 2> slice_spacing_ratio{3.0, 7.0};
  std::size_t every_k = 4;
};

// Reads preprocess.* (block size, window, consensus, annotation, phantom) and checks ranges.
PhantomConfig phantom_config_from(const Config& config);

struct PhantomSpec {
  std::size_t index = 0;
  std::string id;
  std::string patient;
  std::uint8_t label = 0;
  std::uint64_t seed = 0;
};

// Patients, their samples and labels (exactly round(positive_fraction * N) positives).
std::vector<PhantomSpec> plan_phantoms(const PhantomConfig& config, std::uint64_t seed);

// One sample (its split is left at kTrain for the caller to set).
DatasetSample generate_phantom(const PhantomConfig& config, const PhantomSpec& spec);

}  // namespace due
