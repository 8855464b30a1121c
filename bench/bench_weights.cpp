// What DUE's loss is handed on the gap slices of the training positives, against the hidden truth: where the true
// lesion is, how much the imputed annotation I says "lesion" and how much weight W the loss puts there, beside the
// same for true background. Reads the full masks (a benchmark may; no training stage does). Prints figures; not
// a test. The question it answers (issue 38; docs/diffusion.md, "Seeing the scan"): when the imputation misses a
// lesion, do the weights still mark where it is, so the loss pulls the map down everywhere but there?
//   bench_weights DATASET.h5 ANNOTATIONS.h5
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "io/dataset_store.h"
#include "io/stage_files.h"
#include "metrics/classification.h"
#include "positional_arguments.h"

namespace {

constexpr char kUsage[] = "bench_weights DATASET.h5 ANNOTATIONS.h5";

struct Tally {
  double voxels = 0, imputed = 0, weight = 0;
  void add(float i, float w) { voxels += 1, imputed += i, weight += w; }
  void print(const char* what) const {
    std::printf("| %s | %.0f | %.3f | %.3f |\n", what, voxels, voxels > 0 ? imputed / voxels : 0.0,
                voxels > 0 ? weight / voxels : 0.0);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) due::bench::exit_with_usage(kUsage);
  try {
    const due::DatasetReader dataset(argv[1]);
    const due::AnnotationReader annotations(argv[2]);
    const due::VolumeShape& shape = dataset.layout().shape;
    const std::size_t plane = shape.height * shape.width;
    const std::vector<std::string> ids = dataset.ids();
    const std::vector<std::uint8_t> splits = dataset.splits();
    std::map<std::string, std::size_t> index_of;
    for (std::size_t i = 0; i < ids.size(); ++i) index_of[ids[i]] = i;

    Tally lesion, lesion_missed, lesion_found, background, background_missed;
    // Among the gap voxels the imputation calls background (I < 0.5): does a low weight tell the true lesion?
    std::vector<double> low_weight;
    std::vector<std::uint8_t> is_lesion;
    std::size_t rows = 0, gap_slices = 0;
    for (std::size_t r = 0; r < annotations.size(); ++r) {
      const due::AnnotationRow row = annotations.read(r);
      const auto found = index_of.find(row.id);
      if (found == index_of.end() || splits[found->second] != due::kTrain) continue;
      const due::DatasetSample sample = dataset.read(found->second);
      if (sample.label != 1) continue;
      ++rows;
      std::size_t first = shape.depth, last = 0;
      for (std::size_t z = 0; z < shape.depth; ++z)
        if (row.annotated_slices[z]) first = std::min(first, z), last = z;
      for (std::size_t z = first + 1; z < last; ++z) {
        if (row.annotated_slices[z]) continue;
        ++gap_slices;
        for (std::size_t v = z * plane; v < (z + 1) * plane; ++v) {
          const float i = row.annotation[v], w = row.weight[v];
          const bool truth = sample.mask[v] != 0;
          (truth ? lesion : background).add(i, w);
          if (truth) (i < 0.5f ? lesion_missed : lesion_found).add(i, w);
          if (!truth && i < 0.5f) background_missed.add(i, w);
          if (i < 0.5f) low_weight.push_back(1.0 - w), is_lesion.push_back(truth);
        }
      }
    }
    if (rows == 0) due::bench::exit_with_usage(kUsage);
    std::printf("%s against %s: %zu training positives, %zu gap slices\n\n", argv[2], argv[1], rows, gap_slices);
    std::printf("| gap voxels | voxels | mean imputed I | mean weight W |\n| --- | --- | --- | --- |\n");
    lesion.print("true lesion");
    lesion_found.print("true lesion, I >= 0.5 (imputation finds it)");
    lesion_missed.print("true lesion, I < 0.5 (imputation misses it)");
    background.print("true background");
    background_missed.print("true background, I < 0.5");
    std::printf("\nAmong the gap voxels with I < 0.5: AUROC of 1 - W for \"truly lesion\": %.3f (0.5 = the weight "
                "does not tell)\n", due::roc_auc(low_weight, is_lesion));
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_weights: %s\n", error.what());
    return 2;
  }
}
