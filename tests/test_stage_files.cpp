#include <catch2/catch.hpp>

#include <filesystem>

#include "io/stage_files.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;

namespace {

std::vector<float> ramp(std::size_t n, float scale) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(i % 97);
  return v;
}

due::AnnotationRow annotation_row(const std::string& id, std::vector<float> annotation, std::vector<float> weight,
                                  std::vector<std::uint8_t> annotated_slices) {
  due::AnnotationRow row;
  row.id = id;
  row.annotation = std::move(annotation);
  row.weight = std::move(weight);
  row.annotated_slices = std::move(annotated_slices);
  return row;
}

}  // namespace

TEST_CASE("stage files: variance, annotations and explanations round-trip and join by id", "[io]") {
  due::test::ScratchDir dir;
  const due::VolumeShape shape{4, 3, 2};
  due::Provenance provenance = due::make_provenance("due-test");
  provenance.seed = 5;
  {
    due::VarianceWriter writer(dir.file("variance.h5"), shape, provenance, {{"interpolator", "linear"}}, 1);
    writer.append({"b", ramp(24, 0.01f), ramp(24, 0.001f), {1, 0, 0, 1}});
    writer.append({"a", ramp(24, 0.02f), ramp(24, 0.002f), {1, 0, 1, 1}});
    writer.commit();
  }
  const due::VarianceReader variance(dir.file("variance.h5"));
  CHECK(variance.size() == 2);
  CHECK(variance.shape() == shape);
  CHECK(variance.attribute("interpolator") == "linear");
  CHECK(variance.provenance().seed == 5);
  const due::VarianceRow a = variance.read(variance.require("a"));
  CHECK(a.mean == ramp(24, 0.02f));
  CHECK(a.variance == ramp(24, 0.002f));
  CHECK(a.annotated_slices == std::vector<std::uint8_t>{1, 0, 1, 1});
  CHECK_FALSE(variance.find("c"));
  CHECK_THROWS_WITH(variance.require("c"), Contains("variance.h5") && Contains("'c'"));

  {
    due::AnnotationWriter writer(dir.file("annotations.h5"), shape, provenance, {{"uncertainty", "none"}}, 1);
    writer.append(annotation_row("a", ramp(24, 0.01f), std::vector<float>(24, 1.f), {1, 0, 0, 1}));
    writer.commit();
  }
  const due::AnnotationReader annotations(dir.file("annotations.h5"));
  CHECK(annotations.read(0).weight == std::vector<float>(24, 1.f));
  CHECK(annotations.attribute("uncertainty") == "none");
  // A file without per-rater imputation has no rater columns, and reads as 0 raters.
  CHECK(annotations.raters() == 0);
  CHECK(annotations.read(0).rater_annotation.empty());

  // With per-rater imputation (3 slots): each row carries R volumes of annotation and weight, and the slots present.
  due::AnnotationRow row = annotation_row("a", ramp(24, 0.01f), std::vector<float>(24, 1.f), {1, 0, 0, 1});
  row.rater_annotation = ramp(72, 0.005f);
  row.rater_weight = ramp(72, 0.002f);
  row.rater_present = {1, 1};  // one slot short: refused, and the file is not committed
  {
    due::AnnotationWriter writer(dir.file("per-rater.h5"), shape, provenance, {}, 1, 3);
    CHECK_THROWS_WITH(writer.append(row), Contains("rater_present"));
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("per-rater.h5")));
  row.rater_present = {1, 0, 1};
  {
    due::AnnotationWriter writer(dir.file("per-rater.h5"), shape, provenance, {}, 1, 3);
    writer.append(row);
    writer.commit();
  }
  const due::AnnotationReader per_rater(dir.file("per-rater.h5"));
  CHECK(per_rater.raters() == 3);
  const due::AnnotationRow back = per_rater.read(0);
  CHECK(back.rater_annotation == ramp(72, 0.005f));
  CHECK(back.rater_weight == ramp(72, 0.002f));
  CHECK(back.rater_present == std::vector<std::uint8_t>{1, 0, 1});
  CHECK(back.annotation == ramp(24, 0.01f));

  {
    due::ExplanationWriter writer(dir.file("explanations.h5"), shape, provenance, {{"method", "due"}}, 1);
    writer.append({"a", 1, {0.25f, 0.75f}, 1, ramp(24, 0.01f)});
    writer.append({"b", 0, {0.6f, 0.4f}, 0, ramp(24, 0.005f)});
    writer.commit();
  }
  const due::ExplanationReader explanations(dir.file("explanations.h5"));
  CHECK(explanations.labels() == std::vector<std::uint8_t>{1, 0});
  CHECK(explanations.predicted() == std::vector<std::uint8_t>{1, 0});
  CHECK(explanations.probabilities() == std::vector<float>{0.25f, 0.75f, 0.6f, 0.4f});
  CHECK(explanations.read(1).cam == ramp(24, 0.005f));

  // The wrong kind of file is refused with its name.
  CHECK_THROWS_WITH(due::AnnotationReader(dir.file("variance.h5")), Contains("variance.h5"));
}

// A flag is 0 or 1: the readers of the stage files refuse any other value at open, naming the row's sample.
TEST_CASE("stage files: an annotated-slice or rater-present flag other than 0/1 is refused", "[io]") {
  due::test::ScratchDir dir;
  const due::VolumeShape shape{4, 3, 2};
  const due::Provenance provenance = due::make_provenance("due-test");
  {
    due::VarianceWriter writer(dir.file("variance.h5"), shape, provenance, {}, 1);
    writer.append({"a", ramp(24, 0.01f), ramp(24, 0.001f), {1, 0, 0, 1}});
    writer.append({"b", ramp(24, 0.01f), ramp(24, 0.001f), {1, 5, 0, 1}});  // writers do not check
    writer.commit();
  }
  CHECK_THROWS_WITH(due::VarianceReader(dir.file("variance.h5")),
                    dir.file("variance.h5") +
                        ": '/annotated_slices' row 1 (sample 'b') holds 5 at index 1 (a flag is 0 or 1)");
  {
    due::AnnotationWriter writer(dir.file("annotations.h5"), shape, provenance, {}, 1);
    writer.append(annotation_row("a", ramp(24, 0.01f), ramp(24, 0.01f), {2, 0, 0, 1}));
    writer.commit();
  }
  CHECK_THROWS_AS(due::AnnotationReader(dir.file("annotations.h5")), due::InputError);
  CHECK_THROWS_WITH(due::AnnotationReader(dir.file("annotations.h5")),
                    Contains("annotations.h5: '/annotated_slices' row 0 (sample 'a') holds 2 at index 0"));
  due::AnnotationRow row = annotation_row("a", ramp(24, 0.01f), ramp(24, 0.01f), {1, 0, 0, 1});
  row.rater_annotation = ramp(48, 0.005f);
  row.rater_weight = ramp(48, 0.002f);
  row.rater_present = {1, 7};
  {
    due::AnnotationWriter writer(dir.file("per-rater.h5"), shape, provenance, {}, 1, 2);
    writer.append(row);
    writer.commit();
  }
  CHECK_THROWS_WITH(due::AnnotationReader(dir.file("per-rater.h5")),
                    Contains("per-rater.h5: '/rater_present' row 0 (sample 'a') holds 7 at index 1"));
}
