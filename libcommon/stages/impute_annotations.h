#pragma once
#include <string>

namespace due {

struct ToolContext;

struct ImputeAnnotationsPaths {
  std::string data;      // dataset.h5
  std::string variance;  // variance.h5: read by --interpolator diffusion and --uncertainty diffusion ...
  std::string model;     // ... or interpolator.pt instead, to sample the variance on the fly (variance.* settings)
  std::string npvae;     // npvae.pt: needed by --uncertainty npvae
  std::string out;       // annotations.h5
};

// due-impute-annotations: the dense annotation and the per-voxel weight of every positive sample. Returns the
// exit status.
int run_impute_annotations(ToolContext& context, const ImputeAnnotationsPaths& paths);

}  // namespace due
