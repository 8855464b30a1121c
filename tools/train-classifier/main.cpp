// due-train-classifier: dataset.h5 + annotations.h5 -> classifier.pt
#include "cli/tool.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-train-classifier", "Trains the 3D (or 2D) ResNet-18 with a prediction loss plus an explanation loss on its\nGrad-CAM (--method baseline, baseline-plus, due, haics, gradia, res-g, ...).");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"), "output classifier.pt");
  cli.mark_not_built("classifier training (issue 6)");
  return cli.run(argc, argv, [](due::ToolContext&) { return 0; });
}
