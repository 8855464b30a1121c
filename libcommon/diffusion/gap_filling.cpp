#include "diffusion/gap_filling.h"

#include <algorithm>

#include "data/gaps.h"
#include "diffusion/interpolator_trainer.h"
#include "diffusion/network_conditions.h"
#include "imputation/classical.h"
#include "nn/tensors.h"
#include "util/seeding.h"

namespace due {
namespace {

constexpr std::uint64_t kRepeatStream = 0x5A4D;

bool slice_empty(const std::vector<float>& volume, const VolumeShape& shape, std::size_t z) {
  const std::size_t area = shape.height * shape.width;
  return std::all_of(volume.begin() + static_cast<std::ptrdiff_t>(z * area),
                     volume.begin() + static_cast<std::ptrdiff_t>((z + 1) * area), [](float v) { return v == 0.f; });
}

// The gaps of a job that will be sampled.
std::vector<Gap> sampled_gaps(const VolumeShape& shape, const FillingJob& job, const FillingOptions& options) {
  std::vector<Gap> gaps;
  for (const Gap& gap : find_gaps(job.annotated_slices))
    if (!options.skip_empty_gaps || !slice_empty(job.sparse, shape, gap.before) ||
        !slice_empty(job.sparse, shape, gap.after))
      gaps.push_back(gap);
  return gaps;
}

struct PendingSlice {
  std::size_t job, repeat;
  SliceQueryPlan plan;
};

}  // namespace

std::size_t slices_to_sample(const VolumeShape& shape, const std::vector<FillingJob>& jobs,
                             const FillingOptions& options) {
  std::size_t total = 0;
  for (const FillingJob& job : jobs)
    for (const Gap& gap : sampled_gaps(shape, job, options)) total += gap.missing() * options.repeats;
  return total;
}

std::vector<FilledVolume> fill_gaps(DiffusionUNetImpl& model, Prediction prediction, const NoiseSchedule& schedule,
                                    const VolumeShape& shape, const std::vector<FillingJob>& jobs,
                                    const FillingOptions& options, const torch::Device& device,
                                    const std::function<void(std::size_t)>& on_batch) {
  const SliceSampler sampler = [&](const SliceQuery& query, const std::vector<std::uint64_t>& seeds) {
    SliceQuery full = query;
    full.conditions = network_conditions(model.config(), query.conditions, query.conditions, query.position, query.images);
    return sample_slices(model, prediction, schedule, options.sampler, full, seeds);
  };
  return fill_gaps(sampler, shape, jobs, options, device, on_batch);
}

std::vector<FilledVolume> fill_gaps(const SliceSampler& sampler, const VolumeShape& shape,
                                    const std::vector<FillingJob>& jobs, const FillingOptions& options,
                                    const torch::Device& device, const std::function<void(std::size_t)>& on_batch) {
  torch::NoGradGuard no_grad;
  const std::size_t repeats = std::max<std::size_t>(options.repeats, 1);
  const std::size_t batch_size = std::max<std::size_t>(options.batch_size, 1);
  // fillings[j]: [T, D, H, W] in [-1, 1], starting from the sparse annotation (unsampled slices stay as given).
  std::vector<torch::Tensor> fillings;
  std::vector<std::vector<SliceQueryPlan>> plans;  // per job, every query of its sampled gaps
  std::vector<torch::Tensor> images;               // per job, [D, H, W] /image in [-1, 1], when given
  std::size_t rounds = 0;
  for (const FillingJob& job : jobs) {
    if (job.annotated_slices.size() != shape.depth || job.sparse.size() != shape.voxels())
      throw std::invalid_argument("fill_gaps: a job does not match the volume shape");
    if (!job.image.empty() && job.image.size() != shape.voxels())
      throw std::invalid_argument("fill_gaps: a job's image does not match the volume shape");
    images.push_back(job.image.empty() ? torch::Tensor() : image_to_model_range(volume_tensor(job.image, shape)));
    // Only annotated slices are input; whatever else the job's volume holds is not looked at.
    std::vector<float> annotated_only(job.annotated_slices.begin(), job.annotated_slices.end());
    const torch::Tensor sparse =
        volume_tensor(job.sparse, shape) * torch::tensor(annotated_only).view({-1, 1, 1});
    fillings.push_back(to_model_range(sparse).unsqueeze(0).repeat({static_cast<std::int64_t>(repeats), 1, 1, 1}));
    plans.emplace_back();
    for (const Gap& gap : sampled_gaps(shape, job, options))
      for (const SliceQueryPlan& plan : plan_gap(gap, options.fill)) {
        plans.back().push_back(plan);
        rounds = std::max(rounds, plan.round + 1);
      }
  }

  for (std::size_t k = 0; k < rounds; ++k) {
    std::vector<PendingSlice> pending;
    for (std::size_t j = 0; j < jobs.size(); ++j)
      for (std::size_t r = 0; r < repeats; ++r)
        for (const SliceQueryPlan& plan : plans[j])
          if (plan.round == k) pending.push_back({j, r, plan});
    for (std::size_t start = 0; start < pending.size(); start += batch_size) {
      const std::size_t end = std::min(pending.size(), start + batch_size);
      std::vector<torch::Tensor> conditions, image_slices;
      std::vector<float> positions, lengths;
      std::vector<std::uint64_t> seeds;
      for (std::size_t i = start; i < end; ++i) {
        const PendingSlice& p = pending[i];
        const torch::Tensor filling = fillings[p.job][static_cast<std::int64_t>(p.repeat)];
        conditions.push_back(torch::stack({filling[static_cast<std::int64_t>(p.plan.lower)],
                                           filling[static_cast<std::int64_t>(p.plan.upper)]}));
        if (images[p.job].defined())
          image_slices.push_back(torch::stack({images[p.job][static_cast<std::int64_t>(p.plan.z)],
                                               images[p.job][static_cast<std::int64_t>(p.plan.lower)],
                                               images[p.job][static_cast<std::int64_t>(p.plan.upper)]}));
        positions.push_back(static_cast<float>(p.plan.position()));
        lengths.push_back(static_cast<float>(p.plan.span()));
        // Per (volume, repeat, depth), not per query: the same noise whichever mode, batch or order asks.
        seeds.push_back(derive_seed(jobs[p.job].seed, kRepeatStream + p.repeat, p.plan.z));
      }
      SliceQuery query;
      query.conditions = torch::stack(conditions).to(device);
      query.position = torch::tensor(positions).to(device);
      query.gap_length = torch::tensor(lengths).to(device);
      // A round mixes jobs with and without images only by mistake; the network then says what it lacks.
      if (image_slices.size() == conditions.size()) query.images = torch::stack(image_slices).to(device);
      const torch::Tensor slices = sampler(query, seeds).to(torch::kCPU);
      for (std::size_t i = start; i < end; ++i) {
        const PendingSlice& p = pending[i];
        fillings[p.job][static_cast<std::int64_t>(p.repeat)][static_cast<std::int64_t>(p.plan.z)].copy_(
            slices[static_cast<std::int64_t>(i - start)][0]);
      }
      if (on_batch) on_batch(end - start);
    }
  }

  std::vector<FilledVolume> results;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const torch::Tensor values = from_model_range(fillings[j]);
    FilledVolume result;
    result.mean = tensor_values(values.mean(0));
    result.variance = tensor_values(values.var(0, /*unbiased=*/false));
    // Annotated slices exactly as given (the round trip through [-1, 1] is exact for 0/1, but say so).
    const std::size_t area = shape.height * shape.width;
    for (std::size_t z = 0; z < shape.depth; ++z)
      if (jobs[j].annotated_slices[z])
        for (std::size_t i = z * area; i < (z + 1) * area; ++i) result.mean[i] = jobs[j].sparse[i], result.variance[i] = 0.f;
    carry_to_slices_outside_gaps(result.mean, shape, jobs[j].annotated_slices);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace due
