#include "diffusion/interpolator_architecture.h"

#include <sstream>

#include <yaml-cpp/yaml.h>

#include "cli/config.h"
#include "cli/config_schema.h"

namespace due {

InterpolatorArchitecture interpolator_architecture_from(const Config& config) {
  InterpolatorArchitecture a;
  UNetConfig& u = a.unet;
  u.width = config.get_int("interpolator.model.width");
  if (u.width < 1) config.fail("interpolator.model.width", "must be >= 1");
  u.channel_mult = config.get_ints("interpolator.model.channel_mult");
  if (u.channel_mult.empty() || u.channel_mult.size() > 8)
    config.fail("interpolator.model.channel_mult", "needs 1 to 8 levels");
  for (std::int64_t m : u.channel_mult)
    if (m < 1) config.fail("interpolator.model.channel_mult", "multipliers must be >= 1");
  u.res_blocks = config.get_int("interpolator.model.res_blocks");
  if (u.res_blocks < 1) config.fail("interpolator.model.res_blocks", "must be >= 1");
  u.attention_levels = config.get_ints("interpolator.model.attention_levels");
  for (std::int64_t level : u.attention_levels)
    if (level < 0 || level >= static_cast<std::int64_t>(u.channel_mult.size()))
      config.fail("interpolator.model.attention_levels", "levels must be in 0.." +
                                                             std::to_string(u.channel_mult.size() - 1));
  u.heads = config.get_int("interpolator.model.heads");
  if (u.heads < 1) config.fail("interpolator.model.heads", "must be >= 1");
  for (std::int64_t level : u.attention_levels)
    if ((u.width * u.channel_mult[static_cast<std::size_t>(level)]) % u.heads)
      config.fail("interpolator.model.heads", "must divide the channels of every attention level");
  u.dropout = config.get_float("interpolator.model.dropout");
  if (u.dropout < 0 || u.dropout >= 1) config.fail("interpolator.model.dropout", "must be in [0, 1)");
  const std::string prediction = config.get_string("interpolator.model.prediction");
  if (prediction != "eps" && prediction != "x0") config.fail("interpolator.model.prediction", "must be eps or x0");
  a.prediction = parse_prediction(prediction);
  a.shape_prior = config.parse_string("interpolator.model.shape_prior", parse_shape_prior);
  if (a.shape_prior == ShapePrior::Residual && a.prediction != Prediction::X0)
    config.fail("interpolator.model.shape_prior", "residual needs interpolator.model.prediction: x0 (a correction "
                                                  "to the prior is a correction of x0, not of the noise)");
  a.image_condition = config.parse_string("interpolator.model.image_condition", parse_image_condition);
  apply_shape_prior(a.shape_prior, u);
  apply_image_condition(a.image_condition, u);

  ScheduleConfig& s = a.schedule;
  const std::string kind = config.get_string("interpolator.schedule.kind");
  if (kind != "linear" && kind != "cosine") config.fail("interpolator.schedule.kind", "must be linear or cosine");
  s.kind = parse_beta_schedule(kind);
  const std::int64_t steps = config.get_int("interpolator.schedule.steps");
  if (steps < 2 || steps > 100000) config.fail("interpolator.schedule.steps", "must be in 2..100000");
  s.steps = static_cast<std::size_t>(steps);
  const std::vector<double> range = config.get_floats("interpolator.schedule.beta_range", 2);
  if (!(range[0] > 0 && range[0] <= range[1] && range[1] < 1))
    config.fail("interpolator.schedule.beta_range", "needs 0 < first <= last < 1");
  s.beta_start = range[0];
  s.beta_end = range[1];
  return a;
}

std::string architecture_yaml(const InterpolatorArchitecture& a) {
  YAML::Emitter out;
  const auto flow_list = [&](const std::vector<std::int64_t>& values) {
    out << YAML::Flow << YAML::BeginSeq;
    for (std::int64_t v : values) out << v;
    out << YAML::EndSeq;
  };
  out << YAML::BeginMap << YAML::Key << "interpolator" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "width" << YAML::Value << a.unet.width;
  out << YAML::Key << "channel_mult" << YAML::Value;
  flow_list(a.unet.channel_mult);
  out << YAML::Key << "res_blocks" << YAML::Value << a.unet.res_blocks;
  out << YAML::Key << "attention_levels" << YAML::Value;
  flow_list(a.unet.attention_levels);
  out << YAML::Key << "heads" << YAML::Value << a.unet.heads;
  out << YAML::Key << "dropout" << YAML::Value << a.unet.dropout;
  out << YAML::Key << "prediction" << YAML::Value << prediction_name(a.prediction);
  out << YAML::Key << "shape_prior" << YAML::Value << shape_prior_name(a.shape_prior);
  out << YAML::Key << "image_condition" << YAML::Value << image_condition_name(a.image_condition);
  out << YAML::EndMap;
  out << YAML::Key << "schedule" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "kind" << YAML::Value << beta_schedule_name(a.schedule.kind);
  out << YAML::Key << "steps" << YAML::Value << a.schedule.steps;
  out << YAML::Key << "beta_range" << YAML::Value << YAML::Flow << YAML::BeginSeq << a.schedule.beta_start
      << a.schedule.beta_end << YAML::EndSeq;
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

InterpolatorArchitecture architecture_from_yaml(const std::string& text, const std::string& origin) {
  Config config(toolkit_config_schema());
  config.merge_yaml(text, origin);
  return interpolator_architecture_from(config);
}

}  // namespace due
