#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "data/lidc_lesions.h"
#include "data/scan_blocks.h"
#include "io/dataset_store.h"
#include "io/dicom_series.h"
#include "io/nifti_io.h"
#include "support.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

// A small axial CT: 6 slices of 40x40, 2.5 mm apart, 0.7 mm pixels; lung (-800 HU) with a dense square
// (+40 HU) at x, y in [15, 25] on slices 1..4.
due::ScanVolume make_ct() {
  due::ScanVolume scan;
  scan.geometry.shape = due::VolumeShape{6, 40, 40};
  scan.geometry.spacing = {2.5, 0.7, 0.7};
  scan.geometry.origin = {-14.0, -14.0, -100.0};
  scan.hu.assign(scan.geometry.shape.voxels(), -800.f);
  for (std::size_t z = 1; z <= 4; ++z)
    for (std::size_t y = 15; y <= 25; ++y)
      for (std::size_t x = 15; x <= 25; ++x) scan.hu[(z * 40 + y) * 40 + x] = 40.f;
  return scan;
}

const char* kStudy = "1.2.826.0.1.3680043.2.1125.7";
std::string series_uid(int patient) { return "1.2.826.0.1.3680043.2.1125.8." + std::to_string(patient); }
std::string sop_uid(int patient, std::size_t slice) {
  return "1.2.826.0.1.3680043.2.1125.9." + std::to_string(patient) + "." + std::to_string(slice);
}

std::string square_roi(const std::string& sop, double z, int lo, int hi, bool inclusion = true) {
  std::string roi = "<roi><imageZposition>" + std::to_string(z) + "</imageZposition><imageSOP_UID>" + sop +
                    "</imageSOP_UID><inclusion>" + (inclusion ? "TRUE" : "FALSE") + "</inclusion>";
  for (auto [x, y] : std::vector<std::pair<int, int>>{{lo, lo}, {hi, lo}, {hi, hi}, {lo, hi}})
    roi += "<edgeMap><xCoord>" + std::to_string(x) + "</xCoord><yCoord>" + std::to_string(y) + "</yCoord></edgeMap>";
  return roi + "</roi>";
}

// Reader A: a 9x9 square (16..24) on slices 1-3 matched by SOP UID, with a 3x3 exclusion (19..21) on slice 2, and
// a non-nodule. Reader B: a 9x9 square (15..23) on slices 2-3 matched by z position only, one ROI on a slice the
// series lacks, and a small nodule (one point).
std::string reader_xml(int patient) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LidcReadMessage xmlns=\"http://www.nih.gov\">"
                    "<ResponseHeader><SeriesInstanceUid>" + series_uid(patient) +
                    "</SeriesInstanceUid></ResponseHeader>";
  xml += "<readingSession><servicingRadiologistID>A</servicingRadiologistID><unblindedReadNodule><noduleID>A1</noduleID>";
  for (std::size_t z = 1; z <= 3; ++z) xml += square_roi(sop_uid(patient, z), -100.0 + 2.5 * z, 16, 24);
  xml += square_roi(sop_uid(patient, 2), -95.0, 19, 21, false);
  xml += "</unblindedReadNodule><nonNodule><nonNoduleID>N1</nonNoduleID><imageZposition>-90</imageZposition>"
         "<imageSOP_UID>" + sop_uid(patient, 4) + "</imageSOP_UID><locus><xCoord>3</xCoord><yCoord>3</yCoord></locus>"
         "</nonNodule></readingSession>";
  xml += "<readingSession><servicingRadiologistID>B</servicingRadiologistID><unblindedReadNodule><noduleID>B1</noduleID>";
  for (std::size_t z = 2; z <= 3; ++z) xml += square_roi("9.9.9", -100.0 + 2.5 * z, 15, 23);
  xml += square_roi("9.9.9", -50.0, 15, 23);
  xml += "</unblindedReadNodule><unblindedReadNodule><noduleID>B2</noduleID><roi><imageZposition>-97.5</imageZposition>"
         "<imageSOP_UID>" + sop_uid(patient, 1) + "</imageSOP_UID><inclusion>TRUE</inclusion><edgeMap><xCoord>35"
         "</xCoord><yCoord>35</yCoord></edgeMap></roi></unblindedReadNodule></readingSession></LidcReadMessage>\n";
  return xml;
}

// ROOT/<patient>/study/series/{0..5.dcm, 069.xml}
std::string make_lidc_patient(const std::string& root, int patient) {
  const std::string name = "TEST-" + std::to_string(1000 + patient);
  const std::string folder = root + "/" + name + "/study/series";
  fs::create_directories(folder);
  due::DicomWriteSpec spec;
  spec.folder = folder;
  spec.patient_id = name;
  spec.study_uid = kStudy;
  spec.series_uid = series_uid(patient);
  for (std::size_t z = 0; z < 6; ++z) spec.sop_uids.push_back(sop_uid(patient, z));
  due::write_dicom_series(make_ct(), spec);
  due::test::write_text(folder + "/069.xml", reader_xml(patient));
  return folder;
}

bool reader_a_marks(std::size_t z, std::size_t y, std::size_t x) {
  if (z < 1 || z > 3 || y < 16 || y > 24 || x < 16 || x > 24) return false;
  return !(z == 2 && y == 20 && x == 20);  // the exclusion's only pixel strictly inside
}
bool reader_b_marks(std::size_t z, std::size_t y, std::size_t x) {
  return z >= 2 && z <= 3 && y >= 15 && y <= 23 && x >= 15 && x <= 23;
}

}  // namespace

TEST_CASE("DICOM: a series written with ITK reads back in HU with its geometry and UIDs", "[dicom]") {
  due::test::ScratchDir dir;
  const std::string folder = make_lidc_patient(dir.path(), 1);
  const auto series = due::find_dicom_series(dir.path());
  REQUIRE(series.size() == 1);
  CHECK(series[0].series_uid == series_uid(1));
  CHECK(series[0].files.size() == 6);
  const due::ScanVolume scan = due::read_dicom_series(series[0]);
  const due::ScanVolume truth = make_ct();
  CHECK(scan.geometry.shape == truth.geometry.shape);
  CHECK(scan.geometry.spacing[0] == Approx(2.5));
  CHECK(scan.geometry.spacing[2] == Approx(0.7));
  CHECK(scan.geometry.origin[2] == Approx(-100.0));
  CHECK(scan.hu == truth.hu);
  CHECK(scan.patient_id == "TEST-1001");
  for (std::size_t z = 0; z < 6; ++z) {
    CHECK(scan.sop_uids[z] == sop_uid(1, z));
    CHECK(scan.slice_positions[z] == Approx(-100.0 + 2.5 * z));
  }
}

TEST_CASE("LIDC: ROIs matched by UID or z, rasterised voxel by voxel, readers grouped into one lesion", "[lidc]") {
  due::test::ScratchDir dir;
  make_lidc_patient(dir.path(), 1);
  const due::ScanVolume scan = due::read_dicom_series(due::find_dicom_series(dir.path()).front());
  const due::LidcReadMessage message = due::parse_lidc_xml(dir.path() + "/TEST-1001/study/series/069.xml");
  CHECK(due::match_roi_slice(scan, sop_uid(1, 4), 0.0) == 4);   // by UID, whatever the z
  CHECK(due::match_roi_slice(scan, "9.9.9", -92.4) == 3);       // by z within half a slice step
  CHECK(due::match_roi_slice(scan, "9.9.9", -80.0) == -1);

  const due::LidcScanAnnotations a = due::build_lidc_annotations(message, scan, due::LidcGrouping{});
  CHECK(a.readers == 2);
  CHECK(a.nodules.size() == 2);
  CHECK(a.small_nodules == 1);
  CHECK(a.non_nodules == 1);
  CHECK(a.marks_to_avoid.size() == 2);
  CHECK(a.rois_total == 8);
  CHECK(a.rois_unmatched == 1);
  REQUIRE(a.lesions.size() == 1);
  CHECK(a.nodules[0].voxels.size() == 81 + 80 + 81);
  CHECK(a.nodules[1].voxels.size() == 81 * 2);

  const due::LesionAnnotation lesion = due::lesion_annotation(a, a.lesions[0], scan, {1000, 1000, 1000}, 4);
  CHECK(lesion.present == std::vector<std::uint8_t>{1, 1, 0, 0});
  REQUIRE(lesion.region.shape == scan.geometry.shape);
  for (std::size_t z = 0; z < 6; ++z)
    for (std::size_t y = 0; y < 40; ++y)
      for (std::size_t x = 0; x < 40; ++x) {
        const std::size_t v = (z * 40 + y) * 40 + x;
        REQUIRE(lesion.masks[0][v] == (reader_a_marks(z, y, x) ? 1 : 0));
        REQUIRE(lesion.masks[1][v] == (reader_b_marks(z, y, x) ? 1 : 0));
      }
  CHECK(lesion.first_slice == 1);
  CHECK(lesion.last_slice == 3);
  // the centre is the centroid of both readers' voxels: y and x average (242*20 + 162*19) / 404
  const double expected_xy = (242.0 * 20 + 162.0 * 19) / 404.0;
  CHECK(lesion.centre[0] == Approx(-14.0 + 0.7 * expected_xy));
  CHECK(lesion.centre[1] == Approx(-14.0 + 0.7 * expected_xy));

  // Far apart and not overlapping: two lesions.
  due::LidcGrouping strict;
  strict.distance_mm = 0.1;
  due::LidcReadMessage apart = message;
  for (auto& roi : apart.sessions[1].nodules[0].rois)
    for (auto& p : roi.contour) p.x += 12;
  CHECK(due::build_lidc_annotations(apart, scan, strict).lesions.size() == 2);
}

TEST_CASE("blocks: scan slices map to block slices, halves up", "[blocks]") {
  due::VolumeGeometry scan;
  scan.shape = due::VolumeShape{6, 4, 4};
  scan.spacing = {2.5, 1, 1};
  scan.origin = {0, 0, -100};
  due::VolumeGeometry block;
  block.shape = due::VolumeShape{8, 4, 4};
  block.spacing = {1.25, 1, 1};
  block.origin = {0, 0, -98.75};  // scan slice k sits at block index 2k - 1
  CHECK(due::annotated_slices_in_block(scan, block) == std::vector<std::uint8_t>{0, 1, 0, 1, 0, 1, 0, 1});
  block.origin = {0, 0, -99.375};  // 2k - 0.5: halves go up, to 2k
  CHECK(due::annotated_slices_in_block(scan, block) == std::vector<std::uint8_t>{1, 0, 1, 0, 1, 0, 1, 0});
}

TEST_CASE("LIDC source: blocks centred on the lesion, HU window, consensus, splits by patient, bad scans skipped",
          "[lidc][tools]") {
  due::test::ScratchDir dir;
  const std::string root = dir.file("LIDC");
  for (int patient = 1; patient <= 4; ++patient) make_lidc_patient(root, patient);
  // patient 5: one slice cut in half; patient 6: readers' XML that does not parse
  const std::string truncated = make_lidc_patient(root, 5) + "/3.dcm";
  const std::string bytes = due::test::read_text(truncated);
  due::test::write_text(truncated, bytes.substr(0, bytes.size() / 2));
  due::test::write_text(make_lidc_patient(root, 6) + "/069.xml", "<LidcReadMessage><readingSession>");

  const std::string out = dir.file("out/dataset.h5");
  fs::create_directories(dir.file("out"));
  const std::string command = tool_path("preprocess") + " --source lidc --root " + root + " --out " + out +
                              " --set preprocess.block_size=[8,16,16] --set preprocess.scan.block_spacing_mm=[1.25,0.7,0.7]"
                              " --set preprocess.split.train_fraction=0.5 --set preprocess.split.val_fraction=0.25";
  const auto result = run_command(command);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string report = due::test::read_text(dir.file("out/preprocess_report.json"));
  CHECK_THAT(report, Contains("TEST-1005") && Contains("TEST-1006") && Contains("does not parse"));
  CHECK_THAT(report, Contains("\"scans_skipped\": 2"));

  const due::DatasetReader reader(out);
  CHECK(reader.layout().raters == 4);
  const auto labels = reader.labels();
  const auto patients = reader.patients();
  CHECK(std::count(labels.begin(), labels.end(), 1) == 4);
  std::map<std::string, std::set<int>> sides;
  const auto splits = reader.splits();
  for (std::size_t i = 0; i < reader.size(); ++i)
    sides[patients[i]].insert(splits[i] == due::kUnused ? int{due::kTrain} : int{splits[i]});
  CHECK(sides.size() == 4);
  for (const auto& [patient, kinds] : sides) CHECK(kinds.size() == 1);

  for (std::size_t i = 0; i < reader.size(); ++i) {
    const due::DatasetSample s = reader.read(i);
    if (!s.label) {
      CHECK(std::all_of(s.mask.begin(), s.mask.end(), [](std::uint8_t m) { return m == 0; }));
      continue;
    }
    CHECK(s.rater_present == std::vector<std::uint8_t>{1, 1, 0, 0});
    // consensus at 50% of two readers: either one suffices
    for (std::size_t v = 0; v < s.mask.size(); ++v) REQUIRE(s.mask[v] == (s.raters[v] | s.raters[s.mask.size() + v]));
    // the union's centroid lands on the block centre (within the nearest-neighbour step)
    double sum[3] = {0, 0, 0}, n = 0;
    for (std::size_t z = 0; z < 8; ++z)
      for (std::size_t y = 0; y < 16; ++y)
        for (std::size_t x = 0; x < 16; ++x)
          if (s.mask[(z * 16 + y) * 16 + x]) {
            sum[0] += z;
            sum[1] += y;
            sum[2] += x;
            n += 1;
          }
    REQUIRE(n > 0);
    CHECK(std::abs(sum[0] / n - 3.5) <= 1.0);
    CHECK(std::abs(sum[1] / n - 7.5) <= 1.0);
    CHECK(std::abs(sum[2] / n - 7.5) <= 1.0);
    // HU window: lung -800 -> 0.142857 in the corner, the dense square +40 -> 0.742857 at the centre
    CHECK(s.image[0] == Approx(200.0 / 1400.0).margin(1e-5));
    CHECK(s.image[(4 * 16 + 8) * 16 + 8] == Approx(1040.0 / 1400.0).margin(1e-5));
    // 2.5 mm scan slices on a 1.25 mm block grid: every other block slice was drawn on
    const auto& a = s.annotated_slices;
    CHECK(std::count(a.begin(), a.end(), 1) == 4);
    for (std::size_t z = 1; z < a.size(); ++z) CHECK(a[z] + a[z - 1] == 1);
    CHECK(s.spacing == std::array<float, 3>{1.25f, 0.7f, 0.7f});
  }

  const auto strict = run_command(command + " --strict");
  CHECK(strict.exit_code == 2);
  CHECK_THAT(strict.output, Contains("--strict"));
  CHECK_THAT(due::test::read_text(dir.file("out/preprocess_report.json")), Contains("failed"));

  // An --export-nifti folder that cannot be made (a file in the way): exit 2 naming the flag and the folder.
  const std::string in_the_way = dir.file("out/dataset.h5") + "/nifti";
  const auto unwritable = run_command(command + " --export-nifti " + in_the_way);
  CHECK(unwritable.exit_code == 2);
  CHECK_THAT(unwritable.output, Contains("--export-nifti " + in_the_way + ": cannot create the folder"));

  const auto nothing = run_command(tool_path("preprocess") + " --source lidc --root " + dir.file("out") + " --out " +
                                   dir.file("none.h5"));
  CHECK(nothing.exit_code == 2);
  CHECK(!fs::exists(dir.file("none.h5")));
}

TEST_CASE("LIDC source: input faults are named one line each, counted in the report, exit 2 under --strict",
          "[lidc][tools]") {
  due::test::ScratchDir dir;
  const std::string root = dir.file("LIDC");
  for (int patient = 1; patient <= 2; ++patient) make_lidc_patient(root, patient);
  // Patient 3: reader B's ROIs reach past the right edge of the 40-pixel image (x 52): its mask is clipped.
  const std::string clipped = make_lidc_patient(root, 3) + "/069.xml";
  std::string xml = due::test::read_text(clipped);
  for (std::size_t at; (at = xml.find("<xCoord>23</xCoord>")) != std::string::npos;)
    xml.replace(at, 19, "<xCoord>52</xCoord>");
  due::test::write_text(clipped, xml);
  // Patient 4: slice 3 is an empty file, and a text file lies among the slices.
  const std::string folder = make_lidc_patient(root, 4);
  due::test::write_text(folder + "/3.dcm", "");
  due::test::write_text(folder + "/notes.txt", "not a slice\n");

  fs::create_directories(dir.file("out"));
  const std::string command = tool_path("preprocess") + " --threads 1 --source lidc --root " + root +
                              " --set preprocess.block_size=[8,16,16] --set preprocess.scan.block_spacing_mm=[1.25,0.7,0.7]"
                              " --set preprocess.split.train_fraction=0.5 --set preprocess.split.val_fraction=0.25";
  const auto result = run_command(command + " --out " + dir.file("out/dataset.h5"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains(clipped + ": reader 2 (B), nodule B1: ROI on slice 2 reaches outside the 40x40 "
                                               "image (x 52, y 15); its mask is clipped"));
  CHECK_THAT(result.output, Contains("TEST-1004: " + folder + "/3.dcm: empty (0 bytes), left out of the series"));
  CHECK_THAT(result.output, Contains("TEST-1004: " + folder + "/notes.txt: not a DICOM slice (12 bytes)"));
  CHECK_THAT(result.output, Contains("skipped " + root + "/TEST-1004: " + folder + ": missing slices"));
  // Only our lines: nothing of GDCM's or ITK's own text.
  CHECK_THAT(result.output, !Contains("GDCM") && !Contains("ITK") && !Contains("itk::"));
  const std::string report = due::test::read_text(dir.file("out/preprocess_report.json"));
  CHECK_THAT(report, Contains("\"input_problems\": 4") && Contains("reaches outside the 40x40 image") &&
                         Contains("3.dcm: empty (0 bytes)"));

  // --strict: an input problem alone (patients 1-3, nothing skipped) is exit 2, and no dataset is written.
  fs::remove_all(root + "/TEST-1004");
  const auto strict = run_command(command + " --strict --out " + dir.file("out/strict.h5"));
  CHECK(strict.exit_code == 2);
  CHECK_THAT(strict.output, Contains("2 input problem(s) (warned above) and --strict is set"));
  CHECK_FALSE(fs::exists(dir.file("out/strict.h5")));
}

// In the lidc_sample CTest entry (support.h, lidc_sample_root): Skipped, never passed, without the sample.
TEST_CASE("LIDC source: the real LIDC-IDRI sample (full nodule with four readers, and a partial series)",
          "[lidc][real][lidc-sample]") {
  const std::string root = due::test::lidc_sample_root();
  if (root.empty()) return;  // Skipped through CTest
  due::test::ScratchDir dir;
  const std::string out = dir.file("lidc.h5");
  const auto result = run_command(tool_path("preprocess") + " --source lidc --root " + root + " --out " + out +
                                  " --export-nifti " + dir.path() + " --set preprocess.split.train_fraction=0.5");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const due::DatasetReader reader(out);
  const auto labels = reader.labels();
  std::map<std::string, std::size_t> positive_row_of_patient;
  for (std::size_t i = 0; i < reader.size(); ++i) {
    const due::DatasetSample s = reader.read(i);
    if (!s.label) continue;
    INFO("row " << i << ", patient " << s.patient);
    CHECK(positive_row_of_patient.count(s.patient) == 0);
    positive_row_of_patient[s.patient] = i;
    const auto marked = std::count(s.mask.begin(), s.mask.end(), 1);
    CHECK(marked > 50);
    // The masks sit on the nodules: denser inside than around (0002's is ground glass, about -580 HU against
    // -700 HU around; 0001's solid one about -160 HU against -590 HU). 100 HU is 0.0714 after the window.
    double inside = 0, outside = 0;
    for (std::size_t v = 0; v < s.mask.size(); ++v) (s.mask[v] ? inside : outside) += s.image[v];
    const double mean_inside = inside / static_cast<double>(marked);
    const double mean_outside = outside / static_cast<double>(s.mask.size() - marked);
    CHECK(mean_inside - mean_outside > 100.0 / 1400.0);
  }
  // One positive per patient; LIDC-IDRI-0001's nodule was marked by all four readers and is solid.
  REQUIRE(positive_row_of_patient.size() == 2);
  REQUIRE(positive_row_of_patient.count("LIDC-IDRI-0001") == 1);
  REQUIRE(positive_row_of_patient.count("LIDC-IDRI-0002") == 1);
  const due::DatasetSample first = reader.read(positive_row_of_patient.at("LIDC-IDRI-0001"));
  CHECK(first.rater_present == std::vector<std::uint8_t>{1, 1, 1, 1});
  double inside = 0;
  for (std::size_t v = 0; v < first.mask.size(); ++v) inside += first.mask[v] ? first.image[v] : 0.0;
  CHECK(inside / static_cast<double>(std::count(first.mask.begin(), first.mask.end(), 1)) > 0.45);
  CHECK(std::count(labels.begin(), labels.end(), 0) >= 1);
  const std::string report = due::test::read_text(dir.file("preprocess_report.json"));
  CHECK_THAT(report, Contains("partial series") && Contains("\"scans_skipped\": 0"));
  CHECK(fs::exists(dir.file("LIDC-IDRI-0001-s1-lesion1_mask.nii.gz")));
  const due::NiftiVolume exported = due::read_nifti(dir.file("LIDC-IDRI-0001-s1-lesion1_image.nii.gz"));
  CHECK(exported.geometry.shape == reader.layout().shape);
  CHECK(exported.values == first.image);
}

TEST_CASE("NIfTI folder source: images, masks, raters and labels.csv", "[nifti][tools]") {
  due::test::ScratchDir dir;
  const std::string root = dir.file("data");
  for (const char* sub : {"images", "masks", "raters/r1", "raters/r2"}) fs::create_directories(root + "/" + sub);
  due::VolumeGeometry g;
  g.shape = due::VolumeShape{10, 20, 20};
  g.spacing = {2.0, 1.0, 1.0};
  const auto cube = [&](std::size_t lo, std::size_t hi) {
    std::vector<std::uint8_t> m(g.shape.voxels(), 0);
    for (std::size_t z = 3; z <= 6; ++z)
      for (std::size_t y = lo; y <= hi; ++y)
        for (std::size_t x = lo; x <= hi; ++x) m[(z * 20 + y) * 20 + x] = 1;
    return m;
  };
  std::vector<float> image(g.shape.voxels(), -800.f);
  const auto lesion = cube(8, 12);
  for (std::size_t v = 0; v < image.size(); ++v) image[v] = lesion[v] ? 40.f : -800.f;
  due::write_nifti(root + "/images/pos1.nii.gz", g, image);
  due::write_nifti(root + "/images/neg1.nii.gz", g, std::vector<float>(g.shape.voxels(), -800.f));
  due::write_nifti(root + "/masks/pos1.nii.gz", g, lesion);
  due::write_nifti(root + "/raters/r1/pos1.nii.gz", g, cube(7, 13));
  due::write_nifti(root + "/raters/r2/pos1.nii.gz", g, cube(9, 11));
  due::test::write_text(root + "/labels.csv", "id,label,patient\npos1,1,p1\nneg1,0,p2\n");

  const std::string out = dir.file("d.h5");
  const auto result = run_command(tool_path("preprocess") + " --source nifti --root " + root + " --out " + out +
                                  " --set preprocess.block_size=[10,20,20] --set preprocess.scan.block_spacing_mm=[0,0,0]");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const due::DatasetReader reader(out);
  CHECK(reader.ids() == std::vector<std::string>{"pos1", "neg1"});
  CHECK(reader.patients() == std::vector<std::string>{"p1", "p2"});
  CHECK(reader.layout().raters == 2);
  const due::DatasetSample pos = reader.read(0), neg = reader.read(1);
  CHECK(pos.label == 1);
  CHECK(pos.rater_present == std::vector<std::uint8_t>{1, 1});
  // same grid as the input (whole extent, same size): the given mask comes through voxel for voxel
  CHECK(pos.mask == lesion);
  CHECK(std::vector<std::uint8_t>(pos.raters.begin(), pos.raters.begin() + lesion.size()) == cube(7, 13));
  CHECK(pos.image[(5 * 20 + 10) * 20 + 10] == Approx(1040.0 / 1400.0).margin(1e-5));
  CHECK(neg.label == 0);
  CHECK(std::count(neg.mask.begin(), neg.mask.end(), 1) == 0);
  CHECK(std::count(pos.annotated_slices.begin(), pos.annotated_slices.end(), 1) == 10);

  due::test::write_text(root + "/labels.csv", "id,label\npos1,maybe\n");
  const auto bad = run_command(tool_path("preprocess") + " --source nifti --root " + root + " --out " + out);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("labels.csv:2"));
}

TEST_CASE("pancreas source: MSD tumours as positives, NIH normals as negatives", "[pancreas][tools]") {
  due::test::ScratchDir dir;
  const std::string root = dir.file("pancreas");
  for (const char* sub : {"Task07_Pancreas/imagesTr", "Task07_Pancreas/labelsTr", "Pancreas-CT/PANCREAS_0001/s/t",
                          "TCIA_pancreas_labels-02-05-2017"})
    fs::create_directories(root + "/" + sub);
  due::VolumeGeometry g;
  g.shape = due::VolumeShape{8, 20, 20};
  g.spacing = {2.0, 1.0, 1.0};
  std::vector<float> image(g.shape.voxels(), 30.f), labels(g.shape.voxels(), 0.f);
  for (std::size_t z = 2; z <= 5; ++z)
    for (std::size_t y = 5; y <= 14; ++y)
      for (std::size_t x = 5; x <= 14; ++x) labels[(z * 20 + y) * 20 + x] = (y >= 8 && y <= 10 && x >= 8 && x <= 10) ? 2.f : 1.f;
  due::write_nifti(root + "/Task07_Pancreas/imagesTr/pancreas_001.nii.gz", g, image);
  due::write_nifti(root + "/Task07_Pancreas/labelsTr/pancreas_001.nii.gz", g, labels);
  due::write_nifti(root + "/Task07_Pancreas/imagesTr/pancreas_002.nii.gz", g, image);  // no tumour: skipped
  std::vector<float> pancreas_only(labels);
  for (float& v : pancreas_only) v = v > 0 ? 1.f : 0.f;
  due::write_nifti(root + "/Task07_Pancreas/labelsTr/pancreas_002.nii.gz", g, pancreas_only);

  due::ScanVolume ct = make_ct();
  due::DicomWriteSpec spec;
  spec.folder = root + "/Pancreas-CT/PANCREAS_0001/s/t";
  spec.study_uid = kStudy;
  spec.series_uid = series_uid(9);
  for (std::size_t z = 0; z < 6; ++z) spec.sop_uids.push_back(sop_uid(9, z));
  due::write_dicom_series(ct, spec);
  std::vector<float> nih_label(ct.hu.size(), 0.f);
  for (std::size_t v = 0; v < nih_label.size(); ++v) nih_label[v] = ct.hu[v] > 0 ? 1.f : 0.f;
  due::write_nifti(root + "/TCIA_pancreas_labels-02-05-2017/label0001.nii.gz", ct.geometry, nih_label);

  const std::string out = dir.file("p.h5");
  const auto result = run_command(tool_path("preprocess") + " --source pancreas --root " + root + " --out " + out +
                                  " --set preprocess.block_size=[8,16,16] --set preprocess.scan.block_spacing_mm=[2.0,1.0,1.0]");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(due::test::read_text(dir.file("preprocess_report.json")), Contains("no tumour label"));
  const due::DatasetReader reader(out);
  REQUIRE(reader.size() == 2);
  CHECK(reader.ids() == std::vector<std::string>{"msd-pancreas_001", "nih-PANCREAS_0001"});
  CHECK(reader.labels() == std::vector<std::uint8_t>{1, 0});
  CHECK(reader.layout().raters == 1);
  const due::DatasetSample positive = reader.read(0);
  // the 3x3x4 tumour (36 voxels) on an equal-spacing grid comes through whole
  CHECK(std::count(positive.mask.begin(), positive.mask.end(), 1) == 36);
  CHECK(positive.rater_present == std::vector<std::uint8_t>{1});
}
