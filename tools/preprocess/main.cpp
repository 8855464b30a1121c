// due-preprocess: raw data (or synthetic phantoms) -> dataset.h5
#include "cli/tool.h"
#include "stages/preprocess.h"
#include "stages/preprocess_merge.h"
#include "util/errors.h"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  due::ToolCli cli("due-preprocess",
                   "Prepares a dataset.h5: image blocks, labels, the raters' masks and their consensus, the sparse\n"
                   "annotated slices and a patient-level split. Sources: phantom (synthetic CT-like blocks, the\n"
                   "embedded default), lidc (LIDC-IDRI DICOM + readers' XML), pancreas (MSD Task07 tumours + NIH\n"
                   "Pancreas-CT normals) and nifti (images/, masks/, raters/<name>/, labels.csv). Unusable scans are\n"
                   "skipped and listed in preprocess_report.json beside the output. A collection can be prepared by\n"
                   "N independent jobs (--shard K/N, each a partial file) joined by --merge, which then assigns the\n"
                   "splits: the merged file equals the single-process one.");
  cli.options().add_options()("out,o", po::value<std::string>()->value_name("FILE"),
                              "output dataset.h5 (written atomically)")(
      "shard", po::value<std::string>()->value_name("K/N"),
      "prepare only the K-th of N contiguous sets of patients into a partial file (its report: FILE.report.json)")(
      "merge", po::value<std::vector<std::string>>()->multitoken()->value_name("PART..."),
      "join the N partial files of --shard into --out and assign the splits (config and seed come from the parts)");
  cli.add_config_flag("source", "preprocess.source", "phantom | lidc | pancreas | nifti");
  cli.add_config_flag("root", "preprocess.root", "input data folder (lidc, pancreas, nifti)");
  cli.add_config_flag("limit-patients", "preprocess.limit_patients", "only the first N patients, for quick trials");
  cli.add_config_flag("export-nifti", "preprocess.export_nifti", "also write every block and mask as NIfTI into DIR");
  cli.add_switch_flag("strict", "preprocess.strict", "fail when any scan is skipped");
  cli.set_epilog(
      "Examples:\n"
      "  due-preprocess --source phantom --out runs/demo/dataset.h5\n"
      "  due-preprocess --config pipelines/lidc.yaml --source lidc --root /data/LIDC-IDRI --out runs/lidc/dataset.h5\n"
      "  due-preprocess --config pipelines/phantom.yaml --set preprocess.block_size=[64,128,128] --out big.h5\n"
      "  due-preprocess --config pipelines/lidc.yaml --root /data/LIDC-IDRI --shard 2/4 --out runs/lidc/dataset.part-2-of-4.h5\n"
      "  due-preprocess --merge runs/lidc/dataset.part-{1,2,3,4}-of-4.h5 --out runs/lidc/dataset.h5");
  return cli.run(argc, argv, [](due::ToolContext& context) {
    if (context.options.count("merge")) {
      if (context.options.count("shard")) throw due::UsageError("--shard and --merge exclude each other");
      return due::run_preprocess_merge(context, context.options["merge"].as<std::vector<std::string>>(),
                                       context.option("out"));
    }
    return due::run_preprocess(context, context.option("out"), context.option("shard"));
  });
}
