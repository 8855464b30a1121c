// due-sample-variance: dataset.h5 + interpolator.pt -> variance.h5
#include "cli/tool.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-sample-variance", "Fills every gap of every positive T times with the diffusion interpolator and records the\nper-voxel mean (imputed annotation) and variance.");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"), "output variance.h5");
  cli.mark_not_built("diffusion sampling (issue 4)");
  return cli.run(argc, argv, [](due::ToolContext&) { return 0; });
}
