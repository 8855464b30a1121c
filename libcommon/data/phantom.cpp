#include "data/phantom.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "cli/config.h"
#include "raters/consensus.h"
#include "data/sparse_slices.h"
#include "imaging/smoothing.h"
#include "util/seeding.h"

namespace due {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::uint64_t kSampleStream = 0xF0A1;
constexpr std::uint64_t kPlanStream = 0xF0A2;
// Its own stream: turning the noise on changes nothing else a sample holds.
constexpr std::uint64_t kRaterNoiseStream = 0xF0A3;

struct Vec3 {
  double z = 0, y = 0, x = 0;
  Vec3 operator+(const Vec3& o) const { return {z + o.z, y + o.y, x + o.x}; }
  Vec3 operator-(const Vec3& o) const { return {z - o.z, y - o.y, x - o.x}; }
  Vec3 operator*(double s) const { return {z * s, y * s, x * s}; }
  double dot(const Vec3& o) const { return z * o.z + y * o.y + x * o.x; }
  double norm() const { return std::sqrt(dot(*this)); }
};

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(engine_); }
  double uniform(const std::array<double, 2>& range) { return uniform(range[0], range[1]); }
  std::size_t integer(std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(engine_);
  }
  double normal(double mean, double stddev) { return std::normal_distribution<double>(mean, stddev)(engine_); }
  bool chance(double p) { return uniform(0.0, 1.0) < p; }
  Vec3 direction() {
    Vec3 v{normal(0, 1), normal(0, 1), normal(0, 1)};
    const double n = v.norm();
    return n > 0 ? v * (1.0 / n) : Vec3{1, 0, 0};
  }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// Geometry of the block in millimetres; voxel centres at (i + 0.5) * spacing.
struct Grid {
  VolumeShape shape;
  std::array<double, 3> spacing;
  Vec3 extent() const {
    return {shape.depth * spacing[0], shape.height * spacing[1], shape.width * spacing[2]};
  }
  Vec3 centre_of(std::size_t z, std::size_t y, std::size_t x) const {
    return {(z + 0.5) * spacing[0], (y + 0.5) * spacing[1], (x + 0.5) * spacing[2]};
  }
  std::size_t offset(std::size_t z, std::size_t y, std::size_t x) const {
    return (z * shape.height + y) * shape.width + x;
  }
  double min_spacing() const { return std::min({spacing[0], spacing[1], spacing[2]}); }
  // Voxel index range [lo, hi) covering [centre - radius, centre + radius] along one axis.
  std::array<std::size_t, 2> span(double centre, double radius, int axis) const {
    const std::size_t n = axis == 0 ? shape.depth : axis == 1 ? shape.height : shape.width;
    const double lo = std::floor((centre - radius) / spacing[axis] - 0.5);
    const double hi = std::ceil((centre + radius) / spacing[axis] + 0.5);
    return {static_cast<std::size_t>(std::clamp(lo, 0.0, static_cast<double>(n))),
            static_cast<std::size_t>(std::clamp(hi, 0.0, static_cast<double>(n)))};
  }
};

// A smooth function on the sphere of directions, about unit amplitude: lobes of the nodule and the wobble of
// each rater's contour are made of these.
struct DirectionalWave {
  std::vector<Vec3> axes;
  std::vector<double> weights, frequencies, phases;
  static DirectionalWave random(Random& rng, int terms) {
    DirectionalWave w;
    double energy = 0;
    for (int j = 0; j < terms; ++j) {
      w.axes.push_back(rng.direction());
      w.weights.push_back(rng.normal(0, 1));
      w.frequencies.push_back(rng.uniform(1.0, 3.5));
      w.phases.push_back(rng.uniform(0, 2 * kPi));
      energy += w.weights.back() * w.weights.back() / 2;
    }
    const double scale = energy > 0 ? 1.0 / std::sqrt(energy) : 0;
    for (double& weight : w.weights) weight *= scale;
    return w;
  }
  double operator()(const Vec3& unit) const {
    double value = 0;
    for (std::size_t j = 0; j < axes.size(); ++j)
      value += weights[j] * std::sin(kPi * frequencies[j] * unit.dot(axes[j]) + phases[j]);
    return value;
  }
};

// The nodule as an implicit function: f(x) = r(direction) - |x - centre| in mm (> 0 inside), with an
// ellipsoidal stretch and lobes r(u) = R (1 + sum a_j max(0, u.v_j)^p_j).
struct Nodule {
  Vec3 centre;
  Vec3 stretch{1, 1, 1};
  double radius = 0;
  std::vector<Vec3> lobe_axes;
  std::vector<double> lobe_amplitudes, lobe_sharpness;
  double hu = 30;

  double max_radius() const {
    const double lobes = std::accumulate(lobe_amplitudes.begin(), lobe_amplitudes.end(), 0.0);
    return radius * (1 + lobes) * std::max({stretch.z, stretch.y, stretch.x});
  }
  // Returns the signed distance and the unit direction (in the stretched frame).
  double signed_distance(const Vec3& p, Vec3* direction) const {
    const Vec3 d = p - centre;
    const Vec3 local{d.z / stretch.z, d.y / stretch.y, d.x / stretch.x};
    const double distance = local.norm();
    const Vec3 unit = distance > 1e-9 ? local * (1.0 / distance) : Vec3{1, 0, 0};
    double r = radius;
    for (std::size_t j = 0; j < lobe_axes.size(); ++j)
      r += radius * lobe_amplitudes[j] * std::pow(std::max(0.0, unit.dot(lobe_axes[j])), lobe_sharpness[j]);
    if (direction) *direction = unit;
    return r - distance;
  }
};

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

void add_parenchyma(std::vector<float>& hu, const Grid& grid, Random& rng) {
  const double base = rng.normal(-860, 25);
  struct Wave {
    Vec3 k;
    double amplitude, phase;
  };
  std::vector<Wave> waves;
  for (int j = 0; j < 3; ++j) {
    const double wavelength = rng.uniform(20, 60);
    waves.push_back({rng.direction() * (2 * kPi / wavelength), rng.uniform(5, 15), rng.uniform(0, 2 * kPi)});
  }
  for (std::size_t z = 0; z < grid.shape.depth; ++z)
    for (std::size_t y = 0; y < grid.shape.height; ++y)
      for (std::size_t x = 0; x < grid.shape.width; ++x) {
        const Vec3 p = grid.centre_of(z, y, x);
        double value = base;
        for (const Wave& w : waves) value += w.amplitude * std::cos(w.k.dot(p) + w.phase);
        hu[grid.offset(z, y, x)] = static_cast<float>(value);
      }
}

void add_chest_wall(std::vector<float>& hu, const Grid& grid, Random& rng) {
  const Vec3 extent = grid.extent();
  // An in-plane side (+/-y or +/-x), slightly tilted, at 85-95% of the extent: it never reaches the nodule.
  const bool along_x = rng.chance(0.5);
  const double sign = rng.chance(0.5) ? 1.0 : -1.0;
  Vec3 normal = along_x ? Vec3{0, 0, sign} : Vec3{0, sign, 0};
  normal = normal + rng.direction() * 0.15;
  normal = normal * (1.0 / normal.norm());
  const double axis_extent = along_x ? extent.x : extent.y;
  const double depth_into_block = rng.uniform(0.85, 0.95) * axis_extent;
  const Vec3 centre = extent * 0.5;
  const double offset = depth_into_block - axis_extent * 0.5;  // distance of the plane from the centre
  const double wall_hu = rng.normal(40, 10);
  const double edge = grid.min_spacing();
  for (std::size_t z = 0; z < grid.shape.depth; ++z)
    for (std::size_t y = 0; y < grid.shape.height; ++y)
      for (std::size_t x = 0; x < grid.shape.width; ++x) {
        const double beyond = (grid.centre_of(z, y, x) - centre).dot(normal) - offset;
        const double coverage = clamp01(beyond / edge + 0.5);
        if (coverage > 0) {
          float& v = hu[grid.offset(z, y, x)];
          v = static_cast<float>(v + coverage * (wall_hu - v));
        }
      }
}

void add_vessels(std::vector<float>& hu, const Grid& grid, Random& rng, const PhantomConfig& config) {
  const Vec3 extent = grid.extent();
  std::vector<float> coverage(hu.size(), 0.f);
  const std::size_t count = rng.integer(config.vessels[0], config.vessels[1]);
  const double h = grid.min_spacing();
  auto point_on_face = [&]() {
    Vec3 p{rng.uniform(0, extent.z), rng.uniform(0, extent.y), rng.uniform(0, extent.x)};
    switch (rng.integer(0, 5)) {
      case 0: p.z = 0; break;
      case 1: p.z = extent.z; break;
      case 2: p.y = 0; break;
      case 3: p.y = extent.y; break;
      case 4: p.x = 0; break;
      default: p.x = extent.x; break;
    }
    return p;
  };
  for (std::size_t v = 0; v < count; ++v) {
    // A quadratic Bezier tube from one face to another, tapering.
    const Vec3 a = point_on_face(), b = point_on_face();
    const Vec3 control{rng.uniform(0.2, 0.8) * extent.z, rng.uniform(0.2, 0.8) * extent.y,
                       rng.uniform(0.2, 0.8) * extent.x};
    const double r0 = rng.uniform(config.vessel_radius_mm), r1 = r0 * rng.uniform(0.6, 1.0);
    const double length_estimate = (control - a).norm() + (b - control).norm();
    const auto steps = static_cast<std::size_t>(std::ceil(length_estimate / (0.3 * h))) + 1;
    for (std::size_t s = 0; s <= steps; ++s) {
      const double t = static_cast<double>(s) / static_cast<double>(steps);
      const Vec3 p = a * ((1 - t) * (1 - t)) + control * (2 * (1 - t) * t) + b * (t * t);
      const double r = r0 + (r1 - r0) * t;
      const auto zs = grid.span(p.z, r + h, 0), ys = grid.span(p.y, r + h, 1), xs = grid.span(p.x, r + h, 2);
      for (std::size_t z = zs[0]; z < zs[1]; ++z)
        for (std::size_t y = ys[0]; y < ys[1]; ++y)
          for (std::size_t x = xs[0]; x < xs[1]; ++x) {
            const double c = clamp01((r - (grid.centre_of(z, y, x) - p).norm()) / h + 0.5);
            float& cov = coverage[grid.offset(z, y, x)];
            cov = std::max(cov, static_cast<float>(c));
          }
    }
  }
  const double vessel_hu = rng.normal(40, 15);
  for (std::size_t i = 0; i < hu.size(); ++i) hu[i] = static_cast<float>(hu[i] + coverage[i] * (vessel_hu - hu[i]));
}

Nodule make_nodule(const Grid& grid, Random& rng, const PhantomConfig& config) {
  const Vec3 extent = grid.extent();
  Nodule n;
  n.centre = Vec3{extent.z * rng.uniform(0.38, 0.62), extent.y * rng.uniform(0.38, 0.62),
                  extent.x * rng.uniform(0.38, 0.62)};
  n.stretch = Vec3{rng.uniform(0.85, 1.15), rng.uniform(0.85, 1.15), rng.uniform(0.85, 1.15)};
  n.radius = rng.uniform(config.nodule_radius) * std::min(extent.y, extent.x);
  const std::size_t lobes = rng.integer(config.nodule_lobes[0], config.nodule_lobes[1]);
  for (std::size_t j = 0; j < lobes; ++j) {
    n.lobe_axes.push_back(rng.direction());
    n.lobe_amplitudes.push_back(rng.uniform(0.1, 0.35));
    n.lobe_sharpness.push_back(rng.uniform(3, 8));
  }
  // Keep the whole nodule inside the block with a voxel to spare.
  const double room = std::min({n.centre.z, extent.z - n.centre.z, n.centre.y, extent.y - n.centre.y, n.centre.x,
                                extent.x - n.centre.x}) - 2 * grid.min_spacing();
  if (n.max_radius() > room) n.radius *= std::max(room, grid.min_spacing()) / n.max_radius();
  n.hu = rng.chance(config.ground_glass_fraction) ? rng.normal(-500, 80) : rng.normal(30, 20);
  return n;
}

template <typename Visit>
void for_each_voxel_near(const Grid& grid, const Nodule& nodule, double margin, Visit visit) {
  const double r = nodule.max_radius() + margin;
  const auto zs = grid.span(nodule.centre.z, r, 0), ys = grid.span(nodule.centre.y, r, 1),
             xs = grid.span(nodule.centre.x, r, 2);
  for (std::size_t z = zs[0]; z < zs[1]; ++z)
    for (std::size_t y = ys[0]; y < ys[1]; ++y)
      for (std::size_t x = xs[0]; x < xs[1]; ++x) visit(z, y, x, grid.centre_of(z, y, x));
}

}  // namespace

PhantomConfig phantom_config_from(const Config& config) {
  PhantomConfig p;
  const auto block = config.get_ints("preprocess.block_size", 3);
  for (std::int64_t extent : block)
    if (extent < 8 || extent > 1024) config.fail("preprocess.block_size", "needs extents between 8 and 1024");
  p.shape = VolumeShape{static_cast<std::size_t>(block[0]), static_cast<std::size_t>(block[1]),
                        static_cast<std::size_t>(block[2])};
  const auto window = config.get_floats("preprocess.hu_window", 2);
  if (!(window[0] < window[1])) config.fail("preprocess.hu_window", "needs low < high");
  p.hu_window = {window[0], window[1]};
  p.consensus_level = config.get_float("preprocess.consensus_level");
  if (!(p.consensus_level > 0 && p.consensus_level <= 1)) config.fail("preprocess.consensus_level", "must be in (0, 1]");
  p.rater_noise = rater_noise_from(config);

  const std::string rule = config.get_string("preprocess.annotation.rule");
  if (rule == "due") {
    p.annotation_rule = AnnotationRule::Due;
  } else if (rule == "every-k") {
    p.annotation_rule = AnnotationRule::EveryK;
  } else {
    config.fail("preprocess.annotation.rule", "must be 'due' or 'every-k', got '" + rule + "'");
  }
  const auto ratio = config.get_floats("preprocess.annotation.slice_spacing_ratio", 2);
  if (!(ratio[0] >= 1 && ratio[0] <= ratio[1]))
    config.fail("preprocess.annotation.slice_spacing_ratio", "needs 1 <= low <= high");
  p.slice_spacing_ratio = {ratio[0], ratio[1]};
  const std::int64_t every_k = config.get_int("preprocess.annotation.every_k");
  if (every_k < 1) config.fail("preprocess.annotation.every_k", "must be at least 1");
  p.every_k = static_cast<std::size_t>(every_k);

  const std::string prefix = "preprocess.phantom.";
  auto count_range = [&](const std::string& key, std::int64_t minimum) {
    const auto v = config.get_ints(prefix + key, 2);
    if (!(v[0] >= minimum && v[0] <= v[1]))
      config.fail(prefix + key, "needs " + std::to_string(minimum) + " <= low <= high");
    return std::array<std::size_t, 2>{static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v[1])};
  };
  auto real_range = [&](const std::string& key, double minimum) {
    const auto v = config.get_floats(prefix + key, 2);
    if (!(v[0] > minimum && v[0] <= v[1])) config.fail(prefix + key, "needs " + std::to_string(minimum) + " < low <= high");
    return std::array<double, 2>{v[0], v[1]};
  };
  auto probability = [&](const std::string& key) {
    const double v = config.get_float(prefix + key);
    if (!(v >= 0 && v <= 1)) config.fail(prefix + key, "must be in [0, 1]");
    return v;
  };
  const std::int64_t patients = config.get_int(prefix + "patients");
  if (patients < 1) config.fail(prefix + "patients", "must be at least 1");
  p.patients = static_cast<std::size_t>(patients);
  p.samples_per_patient = count_range("samples_per_patient", 1);
  p.positive_fraction = probability("positive_fraction");
  const auto spacing = config.get_floats(prefix + "spacing_mm", 3);
  for (double s : spacing)
    if (!(s > 0)) config.fail(prefix + "spacing_mm", "must be positive");
  p.spacing_mm = {spacing[0], spacing[1], spacing[2]};
  p.nodule_radius = real_range("nodule_radius", 0);
  if (p.nodule_radius[1] > 0.45) config.fail(prefix + "nodule_radius", "must stay below 0.45 of the block");
  p.nodule_lobes = count_range("nodule_lobes", 0);
  p.ground_glass_fraction = probability("ground_glass_fraction");
  p.vessels = count_range("vessels", 0);
  p.vessel_radius_mm = real_range("vessel_radius_mm", 0);
  p.chest_wall_probability = probability("chest_wall_probability");
  p.noise_hu = config.get_float(prefix + "noise_hu");
  if (p.noise_hu < 0) config.fail(prefix + "noise_hu", "must be >= 0");
  p.blur_mm = config.get_float(prefix + "blur_mm");
  if (p.blur_mm < 0) config.fail(prefix + "blur_mm", "must be >= 0");
  p.rater_missing_probability = probability("rater_missing_probability");
  const YAML::Node raters = config.node(prefix + "raters");
  for (const auto& r : raters) {
    p.raters.push_back(RaterHabit{r["name"].as<std::string>(), r["offset_mm"].as<double>(), r["noise_mm"].as<double>()});
    if (p.raters.back().noise_mm < 0) config.fail(prefix + "raters", "noise_mm must be >= 0");
  }
  if (p.raters.empty()) config.fail(prefix + "raters", "needs at least one rater");
  return p;
}

std::vector<PhantomSpec> plan_phantoms(const PhantomConfig& config, std::uint64_t seed) {
  Random rng(derive_seed(seed, kPlanStream));
  std::vector<PhantomSpec> specs;
  char name[64];
  for (std::size_t patient = 0; patient < config.patients; ++patient) {
    const std::size_t count = rng.integer(config.samples_per_patient[0], config.samples_per_patient[1]);
    std::snprintf(name, sizeof name, "phantom-patient-%04zu", patient);
    for (std::size_t k = 0; k < count; ++k) {
      PhantomSpec spec;
      spec.index = specs.size();
      spec.patient = name;
      specs.push_back(spec);
    }
  }
  const auto positives =
      static_cast<std::size_t>(std::llround(config.positive_fraction * static_cast<double>(specs.size())));
  std::vector<std::size_t> order(specs.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng.engine());
  for (std::size_t i = 0; i < positives; ++i) specs[order[i]].label = 1;
  for (PhantomSpec& spec : specs) {
    std::snprintf(name, sizeof name, "phantom-%05zu", spec.index);
    spec.id = name;
    spec.seed = derive_seed(seed, kSampleStream, spec.index);
  }
  return specs;
}

DatasetSample generate_phantom(const PhantomConfig& config, const PhantomSpec& spec) {
  Random rng(spec.seed);
  const Grid grid{config.shape, config.spacing_mm};
  const std::size_t voxels = config.shape.voxels();
  const std::size_t R = config.raters.size();

  DatasetSample s;
  s.id = spec.id;
  s.patient = spec.patient;
  s.label = spec.label;
  s.spacing = {static_cast<float>(config.spacing_mm[0]), static_cast<float>(config.spacing_mm[1]),
               static_cast<float>(config.spacing_mm[2])};

  std::vector<float> hu(voxels);
  add_parenchyma(hu, grid, rng);
  if (rng.chance(config.chest_wall_probability)) add_chest_wall(hu, grid, rng);
  add_vessels(hu, grid, rng, config);

  s.raters.assign(R * voxels, 0);
  s.rater_present.assign(R, 1);
  if (spec.label) {
    const Nodule nodule = make_nodule(grid, rng, config);
    const double edge = grid.min_spacing();
    for_each_voxel_near(grid, nodule, 2 * edge, [&](std::size_t z, std::size_t y, std::size_t x, const Vec3& p) {
      const double coverage = clamp01(nodule.signed_distance(p, nullptr) / edge + 0.5);
      float& v = hu[grid.offset(z, y, x)];
      v = static_cast<float>(v + coverage * (nodule.hu - v));
    });
    // Each rater draws the true boundary moved by its habit: an offset and a smooth wobble along the contour.
    for (std::size_t r = 0; r < R; ++r) {
      s.rater_present[r] = rng.chance(config.rater_missing_probability) ? 0 : 1;
      const DirectionalWave wobble = DirectionalWave::random(rng, 6);
      const RaterHabit& habit = config.raters[r];
      std::uint8_t* mask = s.raters.data() + r * voxels;
      const double margin = std::abs(habit.offset_mm) + 3 * habit.noise_mm + edge;
      for_each_voxel_near(grid, nodule, margin, [&](std::size_t z, std::size_t y, std::size_t x, const Vec3& p) {
        Vec3 direction;
        const double f = nodule.signed_distance(p, &direction);
        mask[grid.offset(z, y, x)] = f - habit.offset_mm - habit.noise_mm * wobble(direction) > 0 ? 1 : 0;
      });
    }
    if (std::none_of(s.rater_present.begin(), s.rater_present.end(), [](std::uint8_t p) { return p != 0; }))
      s.rater_present[rng.integer(0, R - 1)] = 1;
    for (std::size_t r = 0; r < R; ++r)
      if (!s.rater_present[r]) std::fill_n(s.raters.begin() + static_cast<std::ptrdiff_t>(r * voxels), voxels, 0);
  }
  s.mask = consensus_mask(s.raters, s.rater_present, voxels, config.consensus_level);
  apply_rater_noise(s, config.shape, config.rater_noise, derive_seed(spec.seed, kRaterNoiseStream));

  // Scanner noise, correlated by the blur as a reconstruction kernel would, then the CT window.
  std::normal_distribution<float> scanner_noise(0.f, static_cast<float>(config.noise_hu));
  for (float& v : hu) v += scanner_noise(rng.engine());
  gaussian_smooth(hu, config.shape, config.spacing_mm, config.blur_mm);
  const double lo = config.hu_window[0], width = config.hu_window[1] - config.hu_window[0];
  s.image.resize(voxels);
  for (std::size_t i = 0; i < voxels; ++i) s.image[i] = static_cast<float>(clamp01((hu[i] - lo) / width));

  const std::size_t depth = config.shape.depth;
  const std::vector<std::size_t> positions =
      config.annotation_rule == AnnotationRule::Due
          ? due_annotated_positions(depth, original_slice_count(depth, rng.uniform(config.slice_spacing_ratio)))
          : every_kth_positions(depth, config.every_k);
  s.annotated_slices = slice_indicator(depth, positions);
  return s;
}

}  // namespace due
