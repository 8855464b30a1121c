// due-explain: classifier.pt + dataset.h5 -> explanations.h5
#include "cli/tool.h"
#include "stages/explain.h"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  due::ToolCli cli("due-explain",
                   "Runs a trained classifier over one split of a dataset (default: test) and writes\n"
                   "explanations.h5: per sample the class probabilities, the predicted class and the Grad-CAM of\n"
                   "the predicted class at the input's size. Optionally each CAM as NIfTI and, per sample, a PNG\n"
                   "montage of slices through the lesion (image; annotation outline; CAM heat map).");
  cli.options().add_options()
      ("data", po::value<std::string>()->value_name("FILE"), "dataset.h5")
      ("model", po::value<std::string>()->value_name("FILE"), "classifier.pt from due-train-classifier")
      ("out,o", po::value<std::string>()->value_name("FILE"), "output explanations.h5 (written atomically)");
  cli.add_config_flag("split", "explain.split", "train | validation | test");
  cli.add_config_flag("nifti", "explain.nifti_dir", "also write each CAM as DIR/<id>_cam.nii.gz");
  cli.add_config_flag("png", "explain.png_dir", "also write a montage DIR/<id>.png per sample");
  cli.add_config_flag("query", "explain.query",
                      "none | entropy: instead of explanations.h5, write the feedback file OUT (YAML) for the\n"
                      "training samples of highest prediction entropy, with a montage of numbered salient cells\n"
                      "each (explain.query_*; docs/feedback.md)");
  cli.add_config_flag("top", "explain.query_top", "samples queried");
  cli.add_config_flag("saliency", "explain.query_saliency", "grad-cam | input-gradient (the query's saliency)");
  cli.add_switch_flag("simulate-feedback", "explain.simulate_feedback",
                      "mark the queried cells that hold no voxel of the reference annotation");
  cli.set_epilog(
      "Examples:\n"
      "  due-explain --config pipelines/phantom.yaml --data dataset.h5 --model due.pt --out explanations.h5\n"
      "  due-explain --data dataset.h5 --model due.pt --split validation --png pictures/ --out val.h5\n"
      "  due-explain --data dataset.h5 --model base.pt --query entropy --top 8 --out feedback.yaml");
  return cli.run(argc, argv, [](due::ToolContext& context) { return due::run_explain(context); });
}
