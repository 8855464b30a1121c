// due-train-np-vae: variance.h5 -> npvae.pt
#include "cli/tool.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-train-np-vae", "Trains the neural-process VAE that predicts the diffusion variance of any slice in any gap\nfrom the gap's two boundary slices.");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"), "output npvae.pt");
  cli.mark_not_built("the NP-VAE (issue 5)");
  return cli.run(argc, argv, [](due::ToolContext&) { return 0; });
}
