#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "classifier/model_file.h"
#include "diffusion/interpolator_trainer.h"
#include "io/dataset_store.h"
#include "io/stage_files.h"
#include "io/training_dataset.h"
#include "models/np_vae.h"
#include "module_support.h"
#include "support.h"

using due::test::run_command;
using due::test::tool_path;

// Issue 15, section 2: nothing before evaluation reads the hidden truth. The slices of /mask and /raters between
// the annotated ones are the dense 3D annotation no method may see; a dataset.h5 whose /mask and /raters are erased
// there must give the same interpolator, variance, NP-VAE, annotations.h5 and classifiers, to the bit, as the
// untouched one.

namespace {

// The copy is erased here by hand, not through TrainingDatasetReader, so that a reader that erased nothing could
// not make both runs alike.
std::size_t write_erased_copy(const std::string& from, const std::string& to) {
  const due::DatasetReader reader(from);
  due::DatasetWriter writer(to, reader.layout(), reader.provenance(), reader.source_description(), 1);
  const due::VolumeShape& shape = reader.layout().shape;
  const std::size_t plane = shape.height * shape.width;
  std::size_t erased = 0;
  for (std::size_t i = 0; i < reader.size(); ++i) {
    due::DatasetSample s = reader.read(i);
    for (std::size_t v = 0; v < s.mask.size(); ++v)
      if (!s.annotated_slices[(v / plane) % shape.depth] && s.mask[v]) s.mask[v] = 0, ++erased;
    for (std::size_t v = 0; v < s.raters.size(); ++v)
      if (!s.annotated_slices[(v / plane) % shape.depth] && s.raters[v]) s.raters[v] = 0, ++erased;
    writer.append(s);
  }
  writer.commit();
  return erased;
}

// Small phantoms at `path`. Depth 12 at 2-3 block slices per original slice: 5-7 annotated slices, so each
// training positive has triples.
void make_phantoms(const std::string& path) {
  const auto made = run_command(tool_path("preprocess") +
                                " --seed 3 --threads 1 --set preprocess.block_size=[12,16,16]"
                                " --set preprocess.annotation.slice_spacing_ratio=[2.0,3.0]"
                                " --set preprocess.phantom.patients=8 --out " + path);
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
}

struct Outputs {
  std::string interpolator, variance, npvae, annotations, per_rater, gradia, due;
};

// The stages before evaluation, CPU, one thread, a fixed seed, tiny sizes.
Outputs run_stages(const std::string& data, const due::test::ScratchDir& dir, const std::string& tag) {
  const std::string common = " --threads 1 --seed 7 --data " + data;
  Outputs out{dir.file(tag + "-interpolator.pt"), dir.file(tag + "-variance.h5"), dir.file(tag + "-npvae.pt"),
              dir.file(tag + "-annotations.h5"), dir.file(tag + "-per-rater.h5"), dir.file(tag + "-gradia.pt"),
              dir.file(tag + "-due.pt")};
  const std::string tiny_interpolator =
      " --set interpolator.model.width=8 --set interpolator.model.channel_mult=[1,2]"
      " --set interpolator.model.res_blocks=1 --set interpolator.model.attention_levels=[1]"
      " --set interpolator.schedule.steps=50 --set interpolator.train.batch_size=4"
      " --set interpolator.train.log_every=2 --set interpolator.train.checkpoint_every=2";
  const std::string sampling = " --set variance.samples=2 --set variance.steps=3";
  const std::string classifier = " --epochs 2 --set classifier.width=2 --set classifier.batch_size=4"
                                 " --set classifier.cam.layer=layer2 --set classifier.selection.min_epoch=1";
  const std::vector<std::string> commands{
      tool_path("train-interpolator") + common + tiny_interpolator + " --steps 3 --out " + out.interpolator,
      tool_path("sample-variance") + common + sampling + " --model " + out.interpolator + " --out " + out.variance,
      tool_path("train-np-vae") + common + " --variance " + out.variance +
          " --set npvae.channels=4 --set npvae.latent_channels=2 --set npvae.levels=1 --set npvae.batch_size=4"
          " --set npvae.steps=3 --set npvae.log_every=3 --set npvae.checkpoint_every=3 --out " + out.npvae,
      tool_path("impute-annotations") + common + " --interpolator diffusion --uncertainty npvae --variance " +
          out.variance + " --npvae " + out.npvae + " --out " + out.annotations,
      tool_path("impute-annotations") + common + sampling + " --interpolator diffusion --uncertainty npvae --model " +
          out.interpolator + " --npvae " + out.npvae + " --per-rater --out " + out.per_rater,
      // The classifier: a 2D method (human target M on the middle slice) and DUE (M, and I and W of this run's
      // annotations.h5). layer2: at this block size layer4's CAM is one voxel and would pass no gradient.
      tool_path("train-classifier") + common + classifier + " --method gradia --out " + out.gradia,
      tool_path("train-classifier") + common + classifier + " --method due --annotations " + out.annotations +
          " --out " + out.due,
  };
  for (const std::string& command : commands) {
    const auto result = run_command(command);
    INFO(command << "\n" << result.output);
    REQUIRE(result.exit_code == 0);
  }
  return out;
}

void check_same_annotations(const std::string& a, const std::string& b) {
  const due::AnnotationReader x(a), y(b);
  REQUIRE(x.size() == y.size());
  REQUIRE(x.size() > 0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const due::AnnotationRow u = x.read(i), v = y.read(i);
    INFO(a << " row " << u.id);
    CHECK(u.id == v.id);
    CHECK(u.annotated_slices == v.annotated_slices);
    CHECK(u.annotation == v.annotation);
    CHECK(u.weight == v.weight);
    CHECK(u.rater_annotation == v.rater_annotation);
    CHECK(u.rater_weight == v.rater_weight);
    CHECK(u.rater_present == v.rater_present);
  }
}

}  // namespace

TEST_CASE("the stages before evaluation give the same outputs when /mask and /raters are erased outside the "
          "annotated slices",
          "[leakfree][tools]") {
  due::test::ScratchDir dir;
  const std::string data = dir.file("dataset.h5"), erased = dir.file("erased.h5");
  make_phantoms(data);
  // The gaps of the phantoms hold lesion voxels, in /mask and in /raters: the copy really hides something.
  REQUIRE(write_erased_copy(data, erased) > 0);
  {
    const due::DatasetReader full(erased);
    REQUIRE(full.layout().raters > 0);
  }

  const Outputs a = run_stages(data, dir, "full"), b = run_stages(erased, dir, "erased");
  const torch::Device cpu(torch::kCPU);
  due::test::check_same_state(due::load_interpolator(a.interpolator, cpu).model,
                        due::load_interpolator(b.interpolator, cpu).model, "interpolator");
  const due::VarianceReader va(a.variance), vb(b.variance);
  REQUIRE(va.size() == vb.size());
  REQUIRE(va.size() > 0);
  for (std::size_t i = 0; i < va.size(); ++i) {
    const due::VarianceRow u = va.read(i), v = vb.read(i);
    INFO("variance row " << u.id);
    CHECK(u.id == v.id);
    CHECK(u.mean == v.mean);
    CHECK(u.variance == v.variance);
  }
  due::test::check_same_state(due::load_np_vae(a.npvae, cpu).model, due::load_np_vae(b.npvae, cpu).model, "NP-VAE");
  check_same_annotations(a.annotations, b.annotations);
  check_same_annotations(a.per_rater, b.per_rater);
  due::test::check_same_state(due::load_classifier(a.gradia, cpu).model, due::load_classifier(b.gradia, cpu).model,
                        "gradia classifier");
  due::test::check_same_state(due::load_classifier(a.due, cpu).model, due::load_classifier(b.due, cpu).model,
                        "due classifier");
}

namespace {

// A copy of `from` whose /image is inverted (1 - v) on slice `z` of sample `index`; returns nothing else changed.
void write_image_changed_copy(const std::string& from, const std::string& to, std::size_t index, std::size_t z) {
  const due::DatasetReader reader(from);
  due::DatasetWriter writer(to, reader.layout(), reader.provenance(), reader.source_description(), 1);
  const due::VolumeShape& shape = reader.layout().shape;
  const std::size_t plane = shape.height * shape.width;
  for (std::size_t i = 0; i < reader.size(); ++i) {
    due::DatasetSample s = reader.read(i);
    if (i == index)
      for (std::size_t v = z * plane; v < (z + 1) * plane; ++v) s.image[v] = 1.f - s.image[v];
    writer.append(s);
  }
  writer.commit();
}

// The interpolator that sees the scan (interpolator.model.image_condition: slices), trained and sampled on `data`.
std::pair<std::string, std::string> run_image_interpolator(const std::string& data, const due::test::ScratchDir& dir,
                                                           const std::string& tag) {
  const std::string common = " --threads 1 --seed 7 --data " + data;
  const std::string interpolator = dir.file(tag + "-interpolator.pt"), variance = dir.file(tag + "-variance.h5");
  const std::vector<std::string> commands{
      tool_path("train-interpolator") + common +
          " --set interpolator.model.image_condition=slices --set interpolator.model.width=8"
          " --set interpolator.model.channel_mult=[1,2] --set interpolator.model.res_blocks=1"
          " --set interpolator.model.attention_levels=[1] --set interpolator.model.prediction=x0"
          " --set interpolator.schedule.steps=50 --set interpolator.train.batch_size=4"
          " --set interpolator.train.learning_rate=1.0e-3 --steps 3 --out " + interpolator,
      tool_path("sample-variance") + common + " --set variance.samples=2 --set variance.steps=3 --model " +
          interpolator + " --out " + variance,
  };
  for (const std::string& command : commands) {
    const auto result = run_command(command);
    INFO(command << "\n" << result.output);
    REQUIRE(result.exit_code == 0);
  }
  return {interpolator, variance};
}

}  // namespace

TEST_CASE("an interpolator that sees the scan reads /image at the gap slices and still no /mask there",
          "[leakfree][tools][image]") {
  due::test::ScratchDir dir;
  const std::string data = dir.file("dataset.h5"), erased = dir.file("erased.h5"), changed = dir.file("changed.h5");
  make_phantoms(data);
  REQUIRE(write_erased_copy(data, erased) > 0);
  const auto [model, variance] = run_image_interpolator(data, dir, "full");
  const auto [erased_model, erased_variance] = run_image_interpolator(erased, dir, "erased");

  // /mask between annotated slices: never read, to the bit.
  const torch::Device cpu(torch::kCPU);
  due::test::check_same_state(due::load_interpolator(model, cpu).model, due::load_interpolator(erased_model, cpu).model,
                              "interpolator");
  const due::VarianceReader full(variance), hidden(erased_variance);
  REQUIRE(full.size() == hidden.size());
  REQUIRE(full.size() > 0);
  for (std::size_t i = 0; i < full.size(); ++i) {
    const due::VarianceRow u = full.read(i), v = hidden.read(i);
    CHECK(u.mean == v.mean);
    CHECK(u.variance == v.variance);
  }

  // /image at one sampled gap slice: that slice's filling changes, and only slices whose query reads it.
  const due::DatasetReader reader(data);
  const due::VolumeShape& shape = reader.layout().shape;
  const std::size_t plane = shape.height * shape.width;
  // A positive outside the training split, so the interpolator trained on the changed copy stays the same and
  // only the sampling can see the change.
  const std::vector<std::uint8_t> splits = reader.splits();
  const std::vector<std::string> ids = reader.ids();
  std::size_t row = full.size(), index = reader.size(), gap_slice = 0;
  due::VarianceRow first;
  for (std::size_t r = 0; r < full.size() && index == reader.size(); ++r) {
    first = full.read(r);
    const std::size_t i = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), first.id) - ids.begin());
    if (i == ids.size() || splits[i] == due::kTrain) continue;
    for (std::size_t z = 0; z < shape.depth; ++z) {
      if (first.annotated_slices[z]) continue;
      bool sampled = false;
      for (std::size_t v = z * plane; v < (z + 1) * plane; ++v) sampled = sampled || first.variance[v] > 0;
      if (sampled) {
        row = r, index = i, gap_slice = z;
        break;
      }
    }
  }
  REQUIRE(index < reader.size());  // a positive outside the training split has a sampled gap slice
  write_image_changed_copy(data, changed, index, gap_slice);
  const auto [changed_model, changed_variance] = run_image_interpolator(changed, dir, "changed");
  due::test::check_same_state(due::load_interpolator(model, cpu).model,
                              due::load_interpolator(changed_model, cpu).model, "interpolator");
  const due::VarianceRow after = due::VarianceReader(changed_variance).read(row);
  REQUIRE(after.id == first.id);
  const auto slice_of = [&](const std::vector<float>& v, std::size_t z) {
    return std::vector<float>(v.begin() + static_cast<std::ptrdiff_t>(z * plane),
                              v.begin() + static_cast<std::ptrdiff_t>((z + 1) * plane));
  };
  INFO("sample " << first.id << ", gap slice " << gap_slice);
  CHECK(slice_of(after.mean, gap_slice) != slice_of(first.mean, gap_slice));
  for (std::size_t z = 0; z < shape.depth; ++z)
    if (first.annotated_slices[z]) CHECK(slice_of(after.mean, z) == slice_of(first.mean, z));
}

TEST_CASE("TrainingDatasetReader reads /mask and /raters as 0 outside the annotated slices, the rest as stored",
          "[leakfree][dataset]") {
  due::test::ScratchDir dir;
  const due::DatasetLayout layout{due::VolumeShape{4, 2, 3}, 2};
  const std::string path = dir.file("d.h5");
  std::vector<due::DatasetSample> samples;
  {
    due::DatasetWriter writer(path, layout, due::make_provenance("due-test"), "test", 1);
    for (std::size_t i = 0; i < 3; ++i) {
      samples.push_back(due::test::make_test_sample(layout, i));
      std::fill(samples.back().mask.begin(), samples.back().mask.end(), 1);
      std::fill(samples.back().raters.begin(), samples.back().raters.end(), 1);
      writer.append(samples.back());
    }
    writer.commit();
  }
  const due::DatasetReader full(path);
  const due::TrainingDatasetReader training(path);
  CHECK(training.size() == 3);
  CHECK(training.labels() == full.labels());
  CHECK(training.annotated_slices() == full.annotated_slices());
  const std::size_t plane = 6, voxels = 24;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const due::DatasetSample f = full.read(i), t = training.read_batch({i})[0];
    CHECK(f.mask == samples[i].mask);
    CHECK(f.raters == samples[i].raters);
    CHECK(t.id == f.id);
    CHECK(t.image == f.image);
    CHECK(t.annotated_slices == f.annotated_slices);
    CHECK(t.rater_present == f.rater_present);
    for (std::size_t v = 0; v < voxels; ++v) CHECK(t.mask[v] == f.annotated_slices[v / plane]);
    for (std::size_t r = 0; r < 2; ++r)
      for (std::size_t v = 0; v < voxels; ++v) CHECK(t.raters[r * voxels + v] == f.annotated_slices[v / plane]);
    CHECK(training.read(i).mask == t.mask);
  }
}
