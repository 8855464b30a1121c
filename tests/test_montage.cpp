#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "imaging/montage.h"
#include "io/png_writer.h"
#include "report/line_plot.h"
#include "support.h"
#include "util/errors.h"

TEST_CASE("montage: grey window, contour pixels, heat colours", "[montage]") {
  const due::Slice image{2, 2, {0.f, 0.5f, 1.f, 2.f}};
  const auto panel = due::grey_panel(image, 0.f, 1.f);
  CHECK(panel.at(0, 0) == due::Rgb{0, 0, 0});
  CHECK(panel.at(1, 0) == due::Rgb{128, 128, 128});
  CHECK(panel.at(1, 1) == due::Rgb{255, 255, 255});  // clamped

  // A 3x3 square in a 5x5 slice: its 8 border pixels are the contour, its centre is not.
  due::Slice mask{5, 5, std::vector<float>(25, 0.f)};
  for (std::size_t y = 1; y <= 3; ++y)
    for (std::size_t x = 1; x <= 3; ++x) mask.values[y * 5 + x] = 1.f;
  due::RgbImage canvas(5, 5, due::Rgb{10, 10, 10});
  due::overlay_contour(canvas, mask, due::kContourGreen);
  int outlined = 0;
  for (std::size_t y = 0; y < 5; ++y)
    for (std::size_t x = 0; x < 5; ++x) outlined += canvas.at(x, y) == due::kContourGreen;
  CHECK(outlined == 8);
  CHECK(canvas.at(2, 2) == due::Rgb{10, 10, 10});

  CHECK(due::heat_colour(0.f) == due::Rgb{0, 0, 128});
  CHECK(due::heat_colour(0.5f) == due::Rgb{128, 255, 128});
  CHECK(due::heat_colour(1.f) == due::Rgb{128, 0, 0});
  // Heat 0 leaves the panel; heat 1 at opacity 1 paints the colour.
  due::RgbImage grey(1, 2, due::Rgb{100, 100, 100});
  due::overlay_heatmap(grey, due::Slice{2, 1, {0.f, 1.f}}, 1.f);
  CHECK(grey.at(0, 0) == due::Rgb{100, 100, 100});
  CHECK(grey.at(0, 1) == due::heat_colour(1.f));
}

TEST_CASE("montage: scaled panels laid out in a grid", "[montage]") {
  const due::RgbImage red(2, 1, due::Rgb{255, 0, 0}), blue(1, 1, due::Rgb{0, 0, 255});
  const auto big = due::scaled(red, 3);
  CHECK(big.width() == 6);
  CHECK(big.height() == 3);
  CHECK(big.at(5, 2) == due::Rgb{255, 0, 0});
  const auto layout = due::grid({{red, blue}, {blue}}, 1, due::kBackground);
  // Cells of the largest panel (2x1), one pixel of gap around each.
  CHECK(layout.width() == 1 + 2 * (2 + 1));
  CHECK(layout.height() == 1 + 2 * (1 + 1));
  CHECK(layout.at(1, 1) == due::Rgb{255, 0, 0});
  CHECK(layout.at(4, 1) == due::Rgb{0, 0, 255});
  CHECK(layout.at(5, 1) == due::kBackground);
  CHECK(layout.at(1, 3) == due::Rgb{0, 0, 255});
}

TEST_CASE("montage: slices spread over the lesion, or around the map's peak", "[montage]") {
  const due::VolumeShape shape{10, 2, 2};
  std::vector<float> mask(shape.voxels(), 0.f);
  for (std::size_t z = 3; z <= 7; ++z) mask[z * 4] = 1.f;
  CHECK(due::slices_through(mask, shape, 3) == std::vector<std::size_t>{3, 5, 7});
  // Thinner than asked: widened around it.
  std::vector<float> thin(shape.voxels(), 0.f);
  thin[5 * 4 + 1] = 1.f;
  CHECK(due::slices_through(thin, shape, 3) == std::vector<std::size_t>{4, 5, 6});
  // No lesion: centred on the peak of the fallback map.
  std::vector<float> heat(shape.voxels(), 0.f);
  heat[9 * 4 + 2] = 1.f;
  CHECK(due::slices_through(std::vector<float>(shape.voxels(), 0.f), shape, 2, heat) == std::vector<std::size_t>{8, 9});
}

TEST_CASE("png: an RGB montage round-trips through a PNG file", "[montage]") {
  due::test::ScratchDir dir;
  due::RgbImage image(7, 3, due::Rgb{1, 2, 3});
  image.set(6, 2, due::Rgb{250, 128, 0});
  due::write_png(dir.file("m.png"), image);
  CHECK(dir.entries() == std::vector<std::string>{"m.png"});
  const auto back = due::read_png(dir.file("m.png"));
  CHECK(back.width() == 7);
  CHECK(back.height() == 3);
  CHECK(back.bytes() == image.bytes());
  due::test::write_text(dir.file("bad.png"), "no png");
  CHECK_THROWS_AS(due::read_png(dir.file("bad.png")), due::InputError);
  CHECK_THROWS_AS(due::write_png(dir.file("absent/m.png"), image), due::InputError);
}

TEST_CASE("montage: the colour key runs from CAM 0 at the bottom to 1 at the top, blended like the panels",
          "[montage]") {
  const due::RgbImage bar = due::colour_bar(4, 11, 0.5f);
  REQUIRE(bar.width() == 4);
  REQUIRE(bar.height() == 11);
  const due::Rgb grey = bar.at(0, 10);  // value 0: the mid-grey background untouched
  CHECK(int(grey.r) == int(grey.g));
  CHECK(int(grey.g) == int(grey.b));
  CHECK(std::abs(int(grey.r) - 128) <= 1);
  // Value 1 at half opacity: halfway between the grey and jet's red end (0.5 * 255, 0, 0).
  const due::Rgb top = bar.at(3, 0);
  CHECK(std::abs(int(top.r) - int(0.5 * grey.r + 0.5 * 127.5)) <= 1);
  CHECK(std::abs(int(top.g) - int(0.5 * grey.g)) <= 1);
  CHECK(std::abs(int(top.b) - int(0.5 * grey.b)) <= 1);
  // Value 0.5 (the middle row): jet's green peak, a quarter opacity.
  const due::Rgb middle = bar.at(1, 5);
  CHECK(std::abs(int(middle.g) - int(0.75 * grey.g + 0.25 * 255)) <= 1);
}

TEST_CASE("montage: side by side keeps each image's own width", "[montage]") {
  const due::RgbImage left(5, 3, due::Rgb{10, 10, 10}), right(2, 4, due::Rgb{200, 0, 0});
  const due::RgbImage both = due::side_by_side(left, right, 1, due::Rgb{0, 0, 255});
  REQUIRE(both.width() == 8);
  REQUIRE(both.height() == 4);
  CHECK(both.at(4, 2) == due::Rgb{10, 10, 10});
  CHECK(both.at(5, 0) == due::Rgb{0, 0, 255});   // the gap
  CHECK(both.at(4, 3) == due::Rgb{0, 0, 255});   // below the shorter left image
  CHECK(both.at(7, 3) == due::Rgb{200, 0, 0});
}

TEST_CASE("montage: stacked keeps each image's own height, left-aligned", "[montage]") {
  const due::RgbImage top(3, 2, due::Rgb{10, 10, 10}), bottom(5, 1, due::Rgb{200, 0, 0});
  const due::RgbImage both = due::stacked(top, bottom, 1, due::Rgb{0, 0, 255});
  REQUIRE(both.width() == 5);
  REQUIRE(both.height() == 4);
  CHECK(both.at(2, 1) == due::Rgb{10, 10, 10});
  CHECK(both.at(4, 0) == due::Rgb{0, 0, 255});  // right of the narrower top image
  CHECK(both.at(0, 2) == due::Rgb{0, 0, 255});  // the gap
  CHECK(both.at(4, 3) == due::Rgb{200, 0, 0});
}

TEST_CASE("montage: a text strip has its text where it was placed and background elsewhere", "[montage]") {
  const due::Rgb black{0, 0, 0}, white{255, 255, 255};
  // One word centred at (60, 20) of a 200 x 40 strip: ink only in its box, none in the right half.
  const due::RgbImage strip = due::text_strip(200, 40, {{60, 20, "label", 0.5}}, black, white, 1.0);
  REQUIRE(strip.width() == 200);
  REQUIRE(strip.height() == 40);
  std::size_t inked = 0, left = 200, right = 0, top = 40, bottom = 0;
  for (std::size_t y = 0; y < 40; ++y)
    for (std::size_t x = 0; x < 200; ++x)
      if (!(strip.at(x, y) == black)) {
        ++inked;
        left = std::min(left, x), right = std::max(right, x), top = std::min(top, y), bottom = std::max(bottom, y);
      }
  CHECK(inked > 10);
  CHECK(right < 100);
  CHECK(left > 20);
  CHECK(std::abs((double(left) + double(right)) / 2 - 60) <= 4);  // centred on x = 60
  CHECK(std::abs((double(top) + double(bottom)) / 2 - 20) <= 5);  // around y = 20, from the top
}
