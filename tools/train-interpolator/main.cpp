// due-train-interpolator: dataset.h5 -> interpolator.pt
#include "cli/tool.h"
#include "stages/train_interpolator.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-train-interpolator",
                   "Trains the conditional diffusion model that interpolates annotation slices between two\n"
                   "annotated ones (distance-aware, masked conditions) on the training positives' full masks.\n"
                   "Writes the EMA weights to --out, a checkpoint to <out>.checkpoint and the log to <out>.log.csv.");
  namespace po = boost::program_options;
  cli.options().add_options()("data", po::value<std::string>()->value_name("FILE"), "input dataset.h5")(
      "out,o", po::value<std::string>()->value_name("FILE"), "output interpolator.pt")(
      "resume", "continue from <out>.checkpoint");
  cli.add_config_flag("steps", "interpolator.train.steps", "training steps");
  cli.set_epilog(
      "Examples:\n"
      "  due-train-interpolator --config pipelines/phantom.yaml --data runs/demo/dataset.h5 --out runs/demo/interpolator.pt\n"
      "  due-train-interpolator --config pipelines/phantom.yaml --data runs/demo/dataset.h5 --out runs/demo/interpolator.pt --resume");
  return cli.run(argc, argv, [](due::ToolContext& context) {
    return due::run_train_interpolator(context, context.option("data"), context.option("out"),
                                       context.options.count("resume") > 0);
  });
}
