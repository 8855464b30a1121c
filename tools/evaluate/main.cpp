// due-evaluate: explanations.h5 + dataset.h5 -> metrics.json (+ metrics.csv); --report: metrics files -> report.md
#include <string>
#include <vector>

#include "cli/tool.h"
#include "stages/evaluate.h"
#include "stages/report.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  due::ToolCli cli("due-evaluate",
                   "Computes the classification metrics (accuracy, ROC-AUC, PR-AUC as average precision and as the\n"
                   "trapezoid area, precision/recall/F1/specificity at the argmax) and the explanation metrics (IoU,\n"
                   "precision, recall, F1 of the Grad-CAM binarised at evaluate.threshold and over a sweep of\n"
                   "thresholds, on the positive samples, against the full reference mask) of one explanations.h5,\n"
                   "into metrics.json and a one-row metrics.csv beside it. With --report, aggregates many\n"
                   "metrics.json files into a Markdown report with tables and PNG figures.");
  cli.options().add_options()
      ("data", po::value<std::string>()->value_name("FILE"), "dataset.h5 (labels and reference masks)")
      ("explanations", po::value<std::string>()->value_name("FILE"), "explanations.h5 from due-explain")
      ("tag", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
       "set a tag of the run (repeatable): experiment, dataset, method, seed, train_size, lambda,\n"
       "interpolator, uncertainty, split or any other; overrides what the files say")
      ("report", "report mode: aggregate --metrics files into --out report.md")
      ("metrics", po::value<std::vector<std::string>>()->value_name("FILE...")->multitoken()->composing(),
       "report mode: the metrics.json files")
      ("out,o", po::value<std::string>()->value_name("FILE"),
       "metrics.json (metrics.csv is written beside it), or report.md with --report");
  cli.set_epilog(
      "Examples:\n"
      "  due-evaluate --data runs/demo/dataset.h5 --explanations runs/demo/due/seed1/explanations.h5 \\\n"
      "      --tag experiment=demo --out runs/demo/due/seed1/metrics.json\n"
      "  due-evaluate --report --metrics runs/demo/*/seed*/metrics.json --out runs/demo/report.md");
  return cli.run(argc, argv, [](due::ToolContext& context) {
    const auto strings = [&](const char* name) {
      return context.options.count(name) ? context.options[name].as<std::vector<std::string>>()
                                         : std::vector<std::string>();
    };
    if (context.options.count("report")) return due::run_report(context, strings("metrics"), context.option("out"));
    return due::run_evaluate(context, context.option("data"), context.option("explanations"), context.option("out"),
                             strings("tag"));
  });
}
