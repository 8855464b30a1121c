#include "models/np_vae.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <yaml-cpp/yaml.h>

#include "nn/checkpoint.h"
#include "util/errors.h"

namespace due {
namespace F = torch::nn::functional;
namespace {
// Channels of the decoder's output.
constexpr std::int64_t kShareChannel = 0, kRemainderChannel = 1, kScaleChannel = 2;
}  // namespace

Reconstruction parse_reconstruction(const std::string& name) {
  if (name == "l1") return Reconstruction::L1;
  if (name == "mse") return Reconstruction::Mse;
  if (name == "gaussian") return Reconstruction::Gaussian;
  throw std::invalid_argument("reconstruction must be l1, mse or gaussian, got '" + name + "'");
}

const char* reconstruction_name(Reconstruction reconstruction) {
  switch (reconstruction) {
    case Reconstruction::L1: return "l1";
    case Reconstruction::Mse: return "mse";
    case Reconstruction::Gaussian: return "gaussian";
  }
  return "?";
}

void NpVaeArchitecture::validate() const {
  auto require = [](bool ok, const char* field, const char* rule) {
    if (!ok) throw std::invalid_argument(std::string(field) + " " + rule);
  };
  require(height >= 1 && width >= 1, "height/width", "must be >= 1");
  require(channels >= 1, "channels", "must be >= 1");
  require(latent_channels >= 1, "latent_channels", "must be >= 1");
  require(levels >= 0 && levels <= 6, "levels", "must be in 0..6");
  require(position_frequencies >= 0 && position_frequencies <= 16, "position_frequencies", "must be in 0..16");
  require(min_scale > 0, "min_scale", "must be > 0");
}

std::string NpVaeArchitecture::to_yaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "height" << YAML::Value << height;
  out << YAML::Key << "width" << YAML::Value << width;
  out << YAML::Key << "channels" << YAML::Value << channels;
  out << YAML::Key << "latent_channels" << YAML::Value << latent_channels;
  out << YAML::Key << "levels" << YAML::Value << levels;
  out << YAML::Key << "position_frequencies" << YAML::Value << position_frequencies;
  out << YAML::Key << "reconstruction" << YAML::Value << reconstruction_name(reconstruction);
  out << YAML::Key << "min_scale" << YAML::Value << min_scale;
  out << YAML::EndMap;
  return out.c_str();
}

NpVaeArchitecture NpVaeArchitecture::from_yaml(const std::string& text) {
  NpVaeArchitecture a;
  try {
    const YAML::Node node = YAML::Load(text);
    auto field = [&](const char* name) {
      if (!node[name]) throw std::invalid_argument(std::string("architecture has no '") + name + "'");
      return node[name];
    };
    a.height = field("height").as<std::int64_t>();
    a.width = field("width").as<std::int64_t>();
    a.channels = field("channels").as<std::int64_t>();
    a.latent_channels = field("latent_channels").as<std::int64_t>();
    a.levels = field("levels").as<std::int64_t>();
    a.position_frequencies = field("position_frequencies").as<std::int64_t>();
    a.reconstruction = parse_reconstruction(field("reconstruction").as<std::string>());
    a.min_scale = field("min_scale").as<double>();
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(std::string("architecture is malformed: ") + e.what());
  }
  a.validate();
  return a;
}

NpVaeBatch NpVaeBatch::to(const torch::Device& device) const {
  return {context.to(device), context_positions.to(device), positions.to(device), spans.to(device)};
}

void validate_batch(const NpVaeBatch& b, std::int64_t height, std::int64_t width) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("NP-VAE batch: " + what); };
  if (!b.context.defined() || b.context.dim() != 4 || b.context.size(1) != 2)
    fail("context must be [B, 2, H, W]");
  if (b.context.size(2) != height || b.context.size(3) != width) {
    std::ostringstream s;
    s << "slices are " << b.context.size(2) << "x" << b.context.size(3) << ", the model expects " << height << "x"
      << width;
    fail(s.str());
  }
  const std::int64_t n = b.context.size(0);
  if (!b.context_positions.defined() || b.context_positions.sizes() != torch::IntArrayRef({n, 2}))
    fail("context positions must be [B, 2]");
  if (!b.positions.defined() || b.positions.sizes() != torch::IntArrayRef({n})) fail("positions must be [B]");
  if (!b.spans.defined() || b.spans.sizes() != torch::IntArrayRef({n})) fail("spans must be [B]");
  if (n == 0) return;
  const torch::Tensor p0 = b.context_positions.select(1, 0), p1 = b.context_positions.select(1, 1);
  if ((p0 - p1).abs().min().item<double>() <= 1e-6) fail("the two context positions coincide");
  const torch::Tensor low = torch::min(p0, p1), high = torch::max(p0, p1);
  if ((b.positions <= low).logical_or(b.positions >= high).any().item<bool>())
    fail("a query position lies outside its gap (it must be strictly between the two boundary positions)");
  if ((b.spans < 2).any().item<bool>()) fail("a gap spans fewer than 2 slices");
}

torch::Tensor position_features(const torch::Tensor& positions, const torch::Tensor& spans, std::int64_t frequencies) {
  const torch::Tensor t = positions.to(torch::kFloat32).unsqueeze(1);
  std::vector<torch::Tensor> parts{t};
  for (std::int64_t k = 1; k <= frequencies; ++k) {
    const torch::Tensor angle = t * (M_PI * static_cast<double>(k));
    parts.push_back(torch::sin(angle));
    parts.push_back(torch::cos(angle));
  }
  parts.push_back(torch::log(spans.to(torch::kFloat32)).unsqueeze(1));
  return torch::cat(parts, 1);
}

namespace {

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2));
}

torch::nn::Sequential make_trunk(std::int64_t channels, std::int64_t levels) {
  torch::nn::Sequential trunk;
  trunk->push_back(conv(1, channels, 3));
  trunk->push_back(torch::nn::SiLU());
  for (std::int64_t level = 0; level < levels; ++level) {
    trunk->push_back(conv(channels, channels, 3, 2));
    trunk->push_back(torch::nn::SiLU());
    trunk->push_back(conv(channels, channels, 3));
    trunk->push_back(torch::nn::SiLU());
  }
  return trunk;
}

// Spatial sizes from full resolution down to the latent: a 3x3 convolution of stride 2 and padding 1 maps n to
// (n - 1) / 2 + 1.
std::vector<std::vector<std::int64_t>> level_sizes(std::int64_t height, std::int64_t width, std::int64_t levels) {
  std::vector<std::vector<std::int64_t>> sizes{{height, width}};
  for (std::int64_t level = 0; level < levels; ++level)
    sizes.push_back({(sizes.back()[0] - 1) / 2 + 1, (sizes.back()[1] - 1) / 2 + 1});
  return sizes;
}

}  // namespace

NpVaeImpl::NpVaeImpl(const NpVaeArchitecture& architecture)
    : architecture_(architecture), feature_size_(2 * architecture.position_frequencies + 2) {
  architecture_.validate();
  const std::int64_t c = architecture_.channels, l = architecture_.latent_channels;
  context_trunk_ = register_module("context_trunk", make_trunk(c, architecture_.levels));
  target_trunk_ = register_module("target_trunk", make_trunk(c, architecture_.levels));
  context_position_ = register_module("context_position", torch::nn::Linear(feature_size_, c));
  target_position_ = register_module("target_position", torch::nn::Linear(feature_size_, c));
  query_position_ = register_module("query_position", torch::nn::Linear(feature_size_, c));
  latent_head_ = register_module("latent_head", conv(c, 2 * l, 1));
  decoder_in_ = register_module("decoder_in", conv(l + 2 * c, c, 3));
  decoder_up_ = register_module("decoder_up", torch::nn::ModuleList());
  for (std::int64_t level = 0; level < architecture_.levels; ++level) decoder_up_->push_back(conv(c, c, 3));
  // Three order-free full-resolution context features join here: the position-weighted blend p, |before - after|
  // and p (1 - p), the variance of a voxel drawn 0/1 with probability p: where the boundaries disagree is where
  // a sampler is uncertain, so the decoder starts from that map instead of rediscovering it from the latent.
  decoder_out_ = register_module("decoder_out", torch::nn::Sequential(conv(c + 3, c, 3), torch::nn::SiLU(), conv(c, 3, 1)));
  // The output starts as a constant map near what the data says on average, not at random feature-dependent
  // logits: Adam's early steps, all pointing the same way from a random start, overshot into a saturated sigmoid
  // (no gradient) and stayed there. Share sigmoid(-2.2) = 0.1 of p (1 - p); remainder sigmoid(-8) * kMaxVariance
  // = 8e-5, the order of the mean variance where the boundaries agree (demo phantoms).
  torch::NoGradGuard no_grad;
  auto output = decoder_out_->ptr(2)->as<torch::nn::Conv2d>();
  output->weight.zero_();
  output->bias[kShareChannel].fill_(-2.2);
  output->bias[kRemainderChannel].fill_(-8.0);
  output->bias[kScaleChannel].fill_(0.0);
}

std::vector<std::int64_t> NpVaeImpl::latent_shape(std::int64_t batch) const {
  const auto sizes = level_sizes(architecture_.height, architecture_.width, architecture_.levels);
  return {batch, architecture_.latent_channels, sizes.back()[0], sizes.back()[1]};
}

torch::Tensor NpVaeImpl::latent_noise(std::int64_t batch, std::uint64_t seed, const torch::Device& device) const {
  return torch::randn(latent_shape(batch), at::detail::createCPUGenerator(seed)).to(device);
}

torch::Tensor NpVaeImpl::encode(torch::nn::Sequential& trunk, const torch::Tensor& slices,
                                const torch::Tensor& position_embedding) {
  const torch::Tensor h = trunk->forward(slices);
  return F::silu(h + position_embedding.unsqueeze(-1).unsqueeze(-1));
}

std::pair<torch::Tensor, torch::Tensor> NpVaeImpl::latent_distribution(const torch::Tensor& representation) {
  const auto parts = latent_head_->forward(representation).chunk(2, 1);
  // Clamped so that exp() stays finite early in training.
  return {parts[0], parts[1].clamp(-8.0, 8.0)};
}

NpVaeImpl::Encoded NpVaeImpl::encode_context(const NpVaeBatch& batch) {
  validate_batch(batch, architecture_.height, architecture_.width);
  const std::int64_t n = batch.size(), h = architecture_.height, w = architecture_.width;
  const torch::Tensor slices = batch.context.reshape({2 * n, 1, h, w});
  const torch::Tensor features = position_features(batch.context_positions.reshape({2 * n}),
                                                   batch.spans.repeat_interleave(2), architecture_.position_frequencies);
  const torch::Tensor encoded = encode(context_trunk_, slices, context_position_->forward(features));
  Encoded e;
  e.context = encoded.view({n, 2, encoded.size(1), encoded.size(2), encoded.size(3)}).mean(1);
  e.query = position_features(batch.positions, batch.spans, architecture_.position_frequencies);
  std::tie(e.prior_mean, e.prior_logvar) = latent_distribution(e.context);
  return e;
}

NpVaeOutput NpVaeImpl::decode(const NpVaeBatch& batch, const Encoded& encoded, const torch::Tensor& latent) {
  const auto sizes = level_sizes(architecture_.height, architecture_.width, architecture_.levels);
  const torch::Tensor query = query_position_->forward(encoded.query).unsqueeze(-1).unsqueeze(-1);
  torch::Tensor x = torch::cat({latent, encoded.context, query.expand_as(encoded.context)}, 1);
  x = F::silu(decoder_in_->forward(x));
  for (std::int64_t level = architecture_.levels; level-- > 0;) {
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(sizes[static_cast<std::size_t>(level)])
                              .mode(torch::kBilinear)
                              .align_corners(false));
    x = F::silu(decoder_up_[static_cast<std::size_t>(level)]->as<torch::nn::Conv2d>()->forward(x));
  }
  // Each boundary weighs 1 at its own position and 0 at the other: the linear interpolation at the query,
  // unchanged when the two context slices are given in the other order.
  const torch::Tensor p0 = batch.context_positions.select(1, 0), p1 = batch.context_positions.select(1, 1);
  const torch::Tensor distance = (p1 - p0).abs();
  const torch::Tensor w0 = (1 - (batch.positions - p0).abs() / distance).view({-1, 1, 1, 1});
  const torch::Tensor w1 = (1 - (batch.positions - p1).abs() / distance).view({-1, 1, 1, 1});
  const torch::Tensor c0 = batch.context.narrow(1, 0, 1), c1 = batch.context.narrow(1, 1, 1);
  const torch::Tensor blend = w0 * c0 + w1 * c1;
  const torch::Tensor disagreement = (c0 - c1).abs();
  const torch::Tensor bernoulli = blend * (1 - blend);
  const torch::Tensor out = decoder_out_->forward(torch::cat({x, blend, disagreement, bernoulli}, 1));
  // variance = b * sigmoid(d_share) + (kMaxVariance - b) * sigmoid(d_remainder), b = p (1 - p): a learnt share of
  // the boundaries' disagreement plus a learnt remainder, in [0, kMaxVariance] by construction. An earlier output,
  // kMaxVariance * sigmoid(d + logit(b)), collapsed to ~0 everywhere within 50 steps on the demo (most targets are
  // 0, and once the sigmoid saturates its gradient vanishes), losing even the ranking b gives for free; here the
  // share's gradient scales with b, not with the prediction, so the disagreement regions keep their say.
  NpVaeOutput o;
  o.variance = bernoulli * torch::sigmoid(out.narrow(1, kShareChannel, 1)) +
               (kMaxVariance - bernoulli) * torch::sigmoid(out.narrow(1, kRemainderChannel, 1));
  o.scale = architecture_.min_scale + F::softplus(out.narrow(1, kScaleChannel, 1));
  o.prior_mean = encoded.prior_mean;
  o.prior_logvar = encoded.prior_logvar;
  return o;
}

NpVaeOutput NpVaeImpl::forward_train(const NpVaeBatch& batch, const torch::Tensor& target, const torch::Tensor& noise) {
  const Encoded encoded = encode_context(batch);
  const std::int64_t n = batch.size();
  if (target.sizes() != torch::IntArrayRef({n, 1, architecture_.height, architecture_.width}))
    throw std::invalid_argument("NP-VAE: the target must be [B, 1, H, W]");
  const torch::Tensor target_encoding =
      encode(target_trunk_, target / kMaxVariance, target_position_->forward(encoded.query));
  // The posterior aggregates the target with the context elements: the mean over all three.
  const torch::Tensor representation = (2 * encoded.context + target_encoding) / 3;
  auto [mean, logvar] = latent_distribution(representation);
  const torch::Tensor latent = mean + torch::exp(0.5 * logvar) * noise;
  NpVaeOutput o = decode(batch, encoded, latent);
  o.posterior_mean = mean;
  o.posterior_logvar = logvar;
  return o;
}

NpVaeOutput NpVaeImpl::predict(const NpVaeBatch& batch, const torch::Tensor& noise) {
  const Encoded encoded = encode_context(batch);
  const torch::Tensor latent =
      noise.defined() ? encoded.prior_mean + torch::exp(0.5 * encoded.prior_logvar) * noise : encoded.prior_mean;
  return decode(batch, encoded, latent);
}

torch::Tensor gaussian_kl(const torch::Tensor& mean_q, const torch::Tensor& logvar_q, const torch::Tensor& mean_p,
                          const torch::Tensor& logvar_p) {
  return 0.5 * (logvar_p - logvar_q + (torch::exp(logvar_q) + (mean_q - mean_p).pow(2)) / torch::exp(logvar_p) - 1);
}

NpVaeLoss np_vae_loss(const NpVaeOutput& output, const torch::Tensor& target, Reconstruction reconstruction,
                      double kl_weight) {
  NpVaeLoss loss;
  if (reconstruction == Reconstruction::L1) {
    loss.reconstruction = (target - output.variance).abs().mean();
  } else if (reconstruction == Reconstruction::Mse) {
    loss.reconstruction = (target - output.variance).pow(2).mean();
  } else {
    const torch::Tensor z = (target - output.variance) / output.scale;
    loss.reconstruction = (0.5 * z.pow(2) + torch::log(output.scale) + 0.5 * std::log(2 * M_PI)).mean();
  }
  if (!output.posterior_mean.defined()) throw std::invalid_argument("np_vae_loss: needs a training pass (posterior)");
  const std::int64_t n = output.posterior_mean.size(0);
  const double pixels = static_cast<double>(target.size(2) * target.size(3));
  loss.kl = gaussian_kl(output.posterior_mean, output.posterior_logvar, output.prior_mean, output.prior_logvar)
                .reshape({n, -1})
                .sum(1)
                .mean() /
            pixels;
  loss.total = loss.reconstruction + kl_weight * loss.kl;
  return loss;
}

LoadedNpVae load_np_vae(const std::string& path, const torch::Device& device) {
  CheckpointReader reader(path, kNpVaeKind);
  LoadedNpVae loaded;
  try {
    loaded.architecture = NpVaeArchitecture::from_yaml(reader.get_string("architecture"));
  } catch (const std::invalid_argument& e) {
    throw InputError(path + ": " + e.what());
  }
  loaded.model = NpVae(loaded.architecture);
  reader.load_module("model", *loaded.model);
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

}  // namespace due
