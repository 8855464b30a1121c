// due-evaluate: explanations.h5 + dataset.h5 -> metrics.json
#include "cli/tool.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-evaluate", "Computes classification and explanation metrics and aggregates them into reports.");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"), "output metrics.json");
  cli.mark_not_built("evaluation (issue 7)");
  return cli.run(argc, argv, [](due::ToolContext&) { return 0; });
}
