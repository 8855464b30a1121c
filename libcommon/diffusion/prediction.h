#pragma once
// What the diffusion network outputs for a noisy x_t: the noise eps (DDPM, MCVD) or the clean x_0 directly. Both
// determine the other through x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps; x_0 is the easier target for a
// small network on binary masks, because eps-prediction at high noise must recover x_0 from a tiny residual that
// the sampler then amplifies by 1 / sqrt(alpha_bar) (about 160 at the last step of the linear schedule).
#include <stdexcept>
#include <string>

namespace due {

enum class Prediction { Eps, X0 };

inline Prediction parse_prediction(const std::string& name) {
  if (name == "eps") return Prediction::Eps;
  if (name == "x0") return Prediction::X0;
  throw std::invalid_argument("unknown prediction '" + name + "' (eps | x0)");
}

inline const char* prediction_name(Prediction prediction) { return prediction == Prediction::Eps ? "eps" : "x0"; }

}  // namespace due
