// due-impute-annotations: dataset.h5 (+ variance.h5, npvae.pt) -> annotations.h5
#include "cli/tool.h"
#include "stages/impute_annotations.h"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  due::ToolCli cli("due-impute-annotations",
                   "Builds the dense 3D annotation and the per-voxel weight of every positive sample: the missing\n"
                   "slices filled by the interpolator, the weight w = sigmoid(-u) of the uncertainty u, min-max\n"
                   "normalised per gap (or per volume); annotated slices weigh 1, and --uncertainty none gives\n"
                   "weight 1 everywhere (Baseline+). Only the annotated slices of /mask are read.");
  cli.options().add_options()
      ("data", po::value<std::string>()->value_name("FILE"), "dataset.h5")
      ("variance", po::value<std::string>()->value_name("FILE"),
       "variance.h5 (read by --interpolator diffusion and --uncertainty diffusion)")
      ("model", po::value<std::string>()->value_name("FILE"),
       "interpolator.pt instead of --variance: the diffusion mean and variance sampled here, with the variance.*\n"
       "settings and the seed of due-sample-variance (same numbers, no variance.h5 kept)")
      ("npvae", po::value<std::string>()->value_name("FILE"), "npvae.pt (needed by --uncertainty npvae)")
      ("out,o", po::value<std::string>()->value_name("FILE"), "output annotations.h5 (written atomically)");
  cli.add_config_flag("interpolator", "impute.interpolator", "diffusion (the mean of variance.h5) | linear | shape");
  cli.add_config_flag("uncertainty", "impute.uncertainty",
                      "npvae | diffusion (the variance of variance.h5) | blend (p(1-p) of the boundaries' linear blend) | none");
  cli.add_config_flag("weight-normalisation", "impute.weight_normalisation", "gap | volume");
  cli.add_switch_flag("per-rater", "impute.per_rater",
                      "also impute each rater slot of /raters from its own annotated slices (for due-train-classifier\n"
                      "--method due --raters random|mean-loss); diffusion then needs --model, not --variance");
  cli.add_config_flag("export-nifti", "impute.export_nifti",
                      "also write ID_annotation.nii.gz and ID_weight.nii.gz of every sample into DIR");
  cli.set_epilog(
      "Examples:\n"
      "  due-impute-annotations --data dataset.h5 --variance variance.h5 --npvae npvae.pt \\\n"
      "      --interpolator diffusion --uncertainty npvae --out annotations.h5           (DUE)\n"
      "  due-impute-annotations --data dataset.h5 --interpolator linear --uncertainty none --out annotations.h5");
  return cli.run(argc, argv, [](due::ToolContext& context) {
    return due::run_impute_annotations(context, {context.option("data"), context.option("variance"),
                                                 context.option("model"), context.option("npvae"), context.option("out")});
  });
}
