// due-train-np-vae: dataset.h5 + variance.h5 -> npvae.pt
#include "cli/tool.h"
#include "stages/train_np_vae.h"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  due::ToolCli cli("due-train-np-vae",
                   "Trains the neural-process VAE that predicts the diffusion model's sampling variance of a missing\n"
                   "slice from its gap's two boundary annotation slices and its relative position in the gap. Targets:\n"
                   "the /variance of variance.h5 on the training split's positives; the validation positives give\n"
                   "the validation L1 of the log. Writes OUT, OUT.checkpoint and the CSV log OUT.log.csv.");
  cli.options().add_options()
      ("data", po::value<std::string>()->value_name("FILE"), "dataset.h5 (annotated slices and splits)")
      ("variance", po::value<std::string>()->value_name("FILE"), "variance.h5 from due-sample-variance (the targets)")
      ("out,o", po::value<std::string>()->value_name("FILE"), "output npvae.pt (written atomically)")
      ("resume", "continue from OUT.checkpoint when it exists");
  cli.set_epilog(
      "Examples:\n"
      "  due-train-np-vae --config pipelines/phantom.yaml --data dataset.h5 --variance variance.h5 --out npvae.pt\n"
      "  due-train-np-vae --data dataset.h5 --variance variance.h5 --out npvae.pt --resume --set npvae.steps=4000");
  return cli.run(argc, argv, [](due::ToolContext& context) {
    return due::run_train_np_vae(context, {context.option("data"), context.option("variance"), context.option("out"),
                                           context.options.count("resume") > 0});
  });
}
