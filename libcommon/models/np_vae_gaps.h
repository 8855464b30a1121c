#pragma once
// The NP-VAE applied to whole volumes: every missing slice of every gap becomes one query (its gap's two
// boundary annotation slices, its relative position, the gap's span), for training and for prediction.
#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "io/dataset_store.h"
#include "models/np_vae.h"

namespace due {

// Queries from any number of volumes of one slice size. Boundary slices are stored once per volume, not once
// per query, and gathered into batches on demand.
class GapQueries {
 public:
  GapQueries(std::int64_t height, std::int64_t width);

  // Adds one query per missing slice of every gap of `sparse` (the annotation, zero outside annotated slices),
  // in depth order. Returns the number of queries added.
  std::size_t add_volume(const std::vector<float>& sparse, const VolumeShape& shape,
                         const std::vector<std::uint8_t>& annotated_slices);

  std::size_t size() const { return depth_index_.size(); }
  // Depth index of query `i` in its volume, and the volume's number (order of add_volume calls).
  std::size_t slice(std::size_t i) const { return depth_index_.at(i); }
  std::size_t volume(std::size_t i) const { return volume_.at(i); }

  // The queries listed in `rows` (int64, CPU), on the CPU.
  NpVaeBatch batch(const torch::Tensor& rows) const;
  NpVaeBatch batch(std::size_t begin, std::size_t end) const;

 private:
  std::int64_t height_, width_;
  std::size_t volumes_ = 0;
  std::vector<float> slices_;  // boundary slices, H*W each
  std::vector<std::int64_t> before_, after_;
  std::vector<float> positions_, spans_;
  std::vector<std::size_t> depth_index_, volume_;
};

// The NP-VAE's variance for one volume: predicted on every missing slice, 0 on annotated slices and outside
// gaps (the variance.h5 convention). Deterministic (latent = prior mean) without `sample_seed`; with it, one
// prior sample per slice from that seed. Batches of `batch_size` queries, no gradients.
std::vector<float> predict_volume_variance(NpVaeImpl& model, const std::vector<float>& sparse, const VolumeShape& shape,
                                           const std::vector<std::uint8_t>& annotated_slices, const torch::Device& device,
                                           std::int64_t batch_size, std::optional<std::uint64_t> sample_seed = {});

}  // namespace due
