#include <catch2/catch.hpp>

#include "data/lidc_xml.h"
#include "imaging/polygon.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;
using due::PixelPoint;

namespace {
std::size_t count(const std::vector<std::uint8_t>& v) {
  std::size_t n = 0;
  for (auto x : v) n += x != 0;
  return n;
}
}  // namespace

TEST_CASE("polygon: a square contour marks its boundary and interior", "[polygon]") {
  std::vector<std::uint8_t> slice(10 * 10, 0);
  due::fill_contour(slice, 10, 10, {{2, 2}, {6, 2}, {6, 6}, {2, 6}}, 1);
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 10; ++x) CHECK(slice[y * 10 + x] == ((x >= 2 && x <= 6 && y >= 2 && y <= 6) ? 1 : 0));
  // as a hole: only the 3x3 pixels strictly inside are cut out
  due::fill_contour(slice, 10, 10, {{2, 2}, {6, 2}, {6, 6}, {2, 6}}, 0, false);
  CHECK(count(slice) == 25 - 9);
  CHECK(slice[4 * 10 + 4] == 0);
  CHECK(slice[2 * 10 + 4] == 1);
}

TEST_CASE("polygon: a right triangle against its hand count", "[polygon]") {
  // Boundary and inside: x, y >= 0 and x + y <= 8, i.e. 9 + 8 + ... + 1 = 45 pixels.
  std::vector<std::uint8_t> slice(12 * 12, 0);
  due::fill_contour(slice, 12, 12, {{0, 0}, {8, 0}, {0, 8}}, 1);
  CHECK(count(slice) == 45);
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 12; ++x) CHECK(slice[y * 12 + x] == (x + y <= 8 && x <= 8 && y <= 8 ? 1 : 0));
  // Strictly inside: x, y >= 1 and x + y <= 7: 6 + 5 + ... + 1 = 21 pixels.
  std::vector<std::uint8_t> inside(12 * 12, 0);
  due::fill_contour(inside, 12, 12, {{0, 0}, {8, 0}, {0, 8}}, 1, false);
  CHECK(count(inside) == 21);
  CHECK(inside[1 * 12 + 6] == 1);
  CHECK(inside[1 * 12 + 7] == 0);
}

TEST_CASE("polygon: single points, clipping", "[polygon]") {
  std::vector<std::uint8_t> slice(5 * 5, 0);
  due::fill_contour(slice, 5, 5, {{3, 1}}, 1);
  CHECK(count(slice) == 1);
  CHECK(slice[1 * 5 + 3] == 1);
  std::vector<std::uint8_t> clipped(5 * 5, 0);
  due::fill_contour(clipped, 5, 5, {{-3, -3}, {10, -3}, {10, 10}, {-3, 10}}, 1);
  CHECK(count(clipped) == 25);
}

TEST_CASE("LIDC XML: sessions, nodules, ROIs, exclusions, non-nodules", "[lidc]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("read.xml");
  due::test::write_text(path, R"(<?xml version="1.0" encoding="UTF-8"?>
<LidcReadMessage uid="1" xmlns="http://www.nih.gov">
<ResponseHeader><SeriesInstanceUid>1.2.3</SeriesInstanceUid><StudyInstanceUID>1.2</StudyInstanceUID></ResponseHeader>
<readingSession>
  <servicingRadiologistID>111</servicingRadiologistID>
  <unblindedReadNodule><noduleID>Nodule 001</noduleID>
    <roi><imageZposition>-97.5 </imageZposition><imageSOP_UID>1.2.3.1</imageSOP_UID><inclusion>TRUE</inclusion>
      <edgeMap><xCoord>1</xCoord><yCoord>2</yCoord></edgeMap><edgeMap><xCoord>5</xCoord><yCoord>2</yCoord></edgeMap>
      <edgeMap><xCoord>5</xCoord><yCoord>6</yCoord></edgeMap></roi>
    <roi><imageZposition>-97.5</imageZposition><imageSOP_UID>1.2.3.1</imageSOP_UID><inclusion>FALSE</inclusion>
      <edgeMap><xCoord>2</xCoord><yCoord>3</yCoord></edgeMap></roi>
  </unblindedReadNodule>
  <nonNodule><nonNoduleID>NN1</nonNoduleID><imageZposition>-90.0</imageZposition><imageSOP_UID>1.2.3.4</imageSOP_UID>
    <locus><xCoord>7</xCoord><yCoord>8</yCoord></locus></nonNodule>
</readingSession>
<readingSession>
  <servicingRadiologistID>222</servicingRadiologistID>
  <unblindedReadNodule><noduleID>small</noduleID>
    <roi><imageZposition>-95</imageZposition><imageSOP_UID>1.2.3.2</imageSOP_UID><inclusion>TRUE</inclusion>
      <edgeMap><xCoord>9</xCoord><yCoord>9</yCoord></edgeMap></roi>
  </unblindedReadNodule>
</readingSession>
</LidcReadMessage>
)");
  const due::LidcReadMessage m = due::parse_lidc_xml(path);
  CHECK(m.series_uid == "1.2.3");
  REQUIRE(m.sessions.size() == 2);
  CHECK(m.sessions[0].reader_id == "111");
  REQUIRE(m.sessions[0].nodules.size() == 1);
  const due::LidcNodule& nodule = m.sessions[0].nodules[0];
  CHECK(nodule.id == "Nodule 001");
  REQUIRE(nodule.rois.size() == 2);
  CHECK(nodule.rois[0].z_position == -97.5);
  CHECK(nodule.rois[0].sop_uid == "1.2.3.1");
  CHECK(nodule.rois[0].inclusion);
  CHECK(!nodule.rois[1].inclusion);
  REQUIRE(nodule.rois[0].contour.size() == 3);
  CHECK(nodule.rois[0].contour[2].x == 5);
  CHECK(nodule.rois[0].contour[2].y == 6);
  CHECK(!nodule.is_small());
  REQUIRE(m.sessions[0].non_nodules.size() == 1);
  CHECK(m.sessions[0].non_nodules[0].locus.x == 7);
  CHECK(m.sessions[1].nodules[0].is_small());
}

TEST_CASE("LIDC XML: broken files are input errors naming the file", "[lidc]") {
  due::test::ScratchDir dir;
  due::test::write_text(dir.file("broken.xml"), "<LidcReadMessage><readingSession>");
  CHECK_THROWS_WITH(due::parse_lidc_xml(dir.file("broken.xml")), Contains("broken.xml") && Contains("does not parse"));
  due::test::write_text(dir.file("other.xml"), "<IdriReadMessage/>");
  CHECK_THROWS_WITH(due::parse_lidc_xml(dir.file("other.xml")), Contains("other.xml") && Contains("not a LIDC"));
  due::test::write_text(dir.file("nan.xml"),
                        "<LidcReadMessage><readingSession><unblindedReadNodule><roi><imageZposition>abc"
                        "</imageZposition></roi></unblindedReadNodule></readingSession></LidcReadMessage>");
  CHECK_THROWS_WITH(due::parse_lidc_xml(dir.file("nan.xml")), Contains("imageZposition"));
  CHECK_THROWS_AS(due::parse_lidc_xml(dir.file("absent.xml")), due::InputError);
}
