// due-preprocess: raw data (or synthetic phantoms) -> dataset.h5
#include "cli/tool.h"
#include "stages/preprocess.h"

int main(int argc, char** argv) {
  due::ToolCli cli("due-preprocess",
                   "Prepares a dataset.h5: image blocks, labels, the raters' masks and their consensus, the sparse\n"
                   "annotated slices and a patient-level split. Sources: phantom (synthetic CT-like blocks, the\n"
                   "embedded default), lidc (LIDC-IDRI DICOM + readers' XML), pancreas (MSD Task07 tumours + NIH\n"
                   "Pancreas-CT normals) and nifti (images/, masks/, raters/<name>/, labels.csv). Unusable scans are\n"
                   "skipped and listed in preprocess_report.json beside the output.");
  cli.options().add_options()("out,o", boost::program_options::value<std::string>()->value_name("FILE"),
                              "output dataset.h5 (written atomically)");
  cli.add_config_flag("source", "preprocess.source", "phantom | lidc | pancreas | nifti");
  cli.add_config_flag("root", "preprocess.root", "input data folder (lidc, pancreas, nifti)");
  cli.add_config_flag("limit-patients", "preprocess.limit_patients", "only the first N patients, for quick trials");
  cli.add_config_flag("export-nifti", "preprocess.export_nifti", "also write every block and mask as NIfTI into DIR");
  cli.add_switch_flag("strict", "preprocess.strict", "fail when any scan is skipped");
  cli.set_epilog(
      "Examples:\n"
      "  due-preprocess --source phantom --out runs/demo/dataset.h5\n"
      "  due-preprocess --config pipelines/lidc.yaml --source lidc --root /data/LIDC-IDRI --out runs/lidc/dataset.h5\n"
      "  due-preprocess --config pipelines/phantom.yaml --set preprocess.block_size=[64,128,128] --out big.h5");
  return cli.run(argc, argv, [](due::ToolContext& context) { return due::run_preprocess(context, context.option("out")); });
}
