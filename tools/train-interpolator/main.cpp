// due-train-interpolator: dataset.h5 -> interpolator.pt
#include "cli/tool.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-train-interpolator", "Trains the conditional diffusion model that interpolates annotation slices between two\nannotated ones (distance-aware, masked conditions).");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"), "output interpolator.pt");
  cli.mark_not_built("the diffusion interpolator (issue 4)");
  return cli.run(argc, argv, [](due::ToolContext&) { return 0; });
}
