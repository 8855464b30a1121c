// due-explain: classifier.pt + dataset.h5 -> explanations.h5
#include "cli/tool.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-explain", "Computes Grad-CAM volumes and class probabilities for the test split.");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"), "output explanations.h5");
  cli.mark_not_built("explanations (issue 6)");
  return cli.run(argc, argv, [](due::ToolContext&) { return 0; });
}
