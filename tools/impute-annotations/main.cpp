// due-impute-annotations: dataset.h5 (+ variance.h5, npvae.pt) -> annotations.h5
#include "cli/tool.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-impute-annotations", "Builds the dense 3D annotation and the per-voxel weight (flipped sigmoid of the\nuncertainty, min-max per gap) for every positive.");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"), "output annotations.h5");
  cli.mark_not_built("annotation imputation (issue 5)");
  return cli.run(argc, argv, [](due::ToolContext&) { return 0; });
}
