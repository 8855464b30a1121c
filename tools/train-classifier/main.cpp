// due-train-classifier: dataset.h5 [+ annotations.h5] -> classifier.pt
#include "cli/tool.h"
#include "stages/train_classifier.h"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  due::ToolCli cli("due-train-classifier",
                   "Trains a ResNet-18 classifier (3D on the volume, or 2D on its middle slice) with a prediction\n"
                   "loss plus an explanation loss on its Grad-CAM. Methods: baseline (cross-entropy only),\n"
                   "baseline-plus (the paper's Baseline+: DUE's loss with all weights 1 on the annotated slices\n"
                   "only, nothing imputed), due-unweighted (DUE's loss with all weights 1 on the imputed annotation),\n"
                   "due (binary + continuous terms weighted by the per-voxel weights of annotations.h5), haics (2D, BCE), gradia (2D, L1), res-g (2D, robust term\n"
                   "at a solved threshold + L1 to the blurred annotation), imputed-l1 (L1 to the imputed annotation\n"
                   "only). --raters consensus|random|mean-loss|magi supervises with the\n"
                   "dataset's several raters (docs/raters.md). Trains on the training split, keeps the epoch with the best\n"
                   "validation PR-AUC, checkpoints every epoch to OUT.checkpoint and logs OUT.log.csv.");
  cli.options().add_options()
      ("data", po::value<std::string>()->value_name("FILE"), "dataset.h5")
      ("annotations", po::value<std::string>()->value_name("FILE"), "annotations.h5 (due-unweighted, due, imputed-l1)")
      ("out,o", po::value<std::string>()->value_name("FILE"), "output classifier.pt (written atomically)")
      ("resume", "continue from OUT.checkpoint when it exists")
      ("feedback", po::value<std::string>()->value_name("FILE"),
       "feedback.yaml from due-explain --query: right-for-the-right-reasons penalty on the cells marked irrelevant,\n"
       "in rounds (classifier.feedback.*)");
  cli.add_config_flag("method", "classifier.method",
                      "baseline | baseline-plus | due-unweighted | due | haics | gradia | res-g | imputed-l1");
  cli.add_config_flag("raters", "classifier.raters.choice",
                      "none | consensus | random | mean-loss | magi: how several raters' masks supervise");
  cli.add_config_flag("epochs", "classifier.epochs", "training epochs");
  cli.add_config_flag("reweight", "classifier.reweight.mode",
                      "none | consistency: weight each sample's prediction loss up where its Grad-CAM changes under\n"
                      "an adversarial background perturbation (classifier.reweight.*)");
  cli.set_epilog(
      "Examples:\n"
      "  due-train-classifier --config pipelines/phantom.yaml --data dataset.h5 --method baseline --out base.pt\n"
      "  due-train-classifier --config pipelines/phantom.yaml --data dataset.h5 --annotations annotations.h5 \\\n"
      "      --method due --out due.pt --resume\n"
      "  due-train-classifier --config pipelines/phantom.yaml --data dataset.h5 --method gradia --raters mean-loss --out g.pt\n"
      "  due-train-classifier --config pipelines/phantom.yaml --data dataset.h5 --method baseline --raters magi --out m.pt\n"
      "  due-train-classifier ... --method due --reweight consistency --set classifier.reweight.steps=3\n"
      "  due-train-classifier ... --method baseline --feedback feedback.yaml --out steered.pt\n"
      "  due-train-classifier ... --set classifier.cam.pooling=per-depth --set classifier.cam.weights=differentiable");
  return cli.run(argc, argv, [](due::ToolContext& context) { return due::run_train_classifier(context); });
}
