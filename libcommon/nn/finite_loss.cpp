#include "nn/finite_loss.h"

#include <cmath>

#include "util/errors.h"

namespace due {

double finite_loss(const torch::Tensor& loss, const std::string& term, const std::string& step) {
  const double value = loss.item<double>();
  if (std::isfinite(value)) return value;
  throw InputError("training stopped at " + step + ": the loss term '" + term + "' is " +
                   (std::isnan(value) ? "NaN" : "infinite") +
                   " (non-finite inputs, or a learning rate too high); no model written");
}

}  // namespace due
