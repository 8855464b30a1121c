// due-sample-variance: dataset.h5 + interpolator.pt -> variance.h5
#include "cli/tool.h"
#include "stages/sample_variance.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-sample-variance",
                   "Fills every gap of every positive T times with the diffusion interpolator and records the\n"
                   "per-voxel mean (imputed annotation) and variance.");
  namespace po = boost::program_options;
  cli.options().add_options()("data", po::value<std::string>()->value_name("FILE"), "input dataset.h5")(
      "model", po::value<std::string>()->value_name("FILE"), "interpolator.pt from due-train-interpolator")(
      "out,o", po::value<std::string>()->value_name("FILE"), "output variance.h5 (written atomically)");
  cli.add_config_flag("samples", "variance.samples", "T, fillings per gap");
  cli.add_config_flag("sampler", "variance.sampler", "ddim | ddpm");
  cli.add_config_flag("sampling-steps", "variance.steps", "denoising steps per slice");
  cli.set_epilog(
      "Example:\n"
      "  due-sample-variance --config pipelines/phantom.yaml --data runs/demo/dataset.h5 \\\n"
      "      --model runs/demo/interpolator.pt --out runs/demo/variance.h5");
  return cli.run(argc, argv, [](due::ToolContext& context) {
    return due::run_sample_variance(context, context.option("data"), context.option("model"), context.option("out"));
  });
}
