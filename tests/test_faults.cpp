// Faults a run must survive without losing or half-writing a file (issue 29): a full disk under every writer, the
// order in which outputs that belong together are renamed, the temporary files of a killed run, and two runs
// writing one output. A full disk is a small tmpfs where this process may mount one (root), otherwise a file-size
// limit (RLIMIT_FSIZE): both are the kernel failing real writes, "No space left on device" or "File too large".
// tests/faults/run.sh runs the same faults, and more, against every tool.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include "imaging/montage.h"
#include "io/atomic_output.h"
#include "io/dataset_store.h"
#include "io/nifti_io.h"
#include "io/png_writer.h"
#include "io/text_output.h"
#include "nn/checkpoint.h"
#include "report/line_plot.h"
#include "support.h"
#include "util/errors.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

// A folder with room for about `bytes`: a tmpfs of that size when mounting is allowed, else a plain folder whose
// writes the tools (through prefix()) or this process (through limit_this_process()) may not grow past `bytes`.
class SmallDisk {
 public:
  explicit SmallDisk(std::size_t bytes) : bytes_(bytes), dir_(scratch_.file("disk")) {
    fs::create_directories(dir_);
    if (::geteuid() == 0) {
      mounted_ = run_command("mount -t tmpfs -o size=" + std::to_string(bytes) + " due-test-disk " + dir_).exit_code == 0;
    }
  }
  ~SmallDisk() {
    if (mounted_) run_command("umount " + dir_);
  }
  const std::string& dir() const { return dir_; }
  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  // What a failed write says here.
  std::string cause() const { return mounted_ ? "No space left on device" : "File too large"; }
  // Put before a tool's command line.
  std::string prefix() const {
    return mounted_ ? "" : "trap '' XFSZ; ulimit -f " + std::to_string(std::max<std::size_t>(1, bytes_ / 512)) + "; ";
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  bool tmpfs() const { return mounted_; }
  std::size_t bytes() const { return bytes_; }

 private:
  due::test::ScratchDir scratch_;
  std::size_t bytes_;
  std::string dir_;
  bool mounted_ = false;
};

// For writers called in this process on a SmallDisk without tmpfs: a file-size limit while it lives.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(const SmallDisk& disk) {
    if (disk.tmpfs()) return;
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = disk.bytes();
    ::setrlimit(RLIMIT_FSIZE, &limit);
    active_ = true;
  }
  ~FileSizeLimit() {
    if (!active_) return;
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
  bool active_ = false;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A tool that ran out of room: exit 2 and one line, "TOOL: error: FILE: cannot write (CAUSE)", naming a file in
// `folder`; nothing under a temporary name left in it.
void check_failed_write(const due::test::CommandResult& result, const SmallDisk& disk, const std::string& tool) {
  INFO(result.output);
  CHECK(result.exit_code == 2);
  const std::vector<std::string> lines = lines_of(result.output);
  REQUIRE(lines.size() == 1);
  // A file-size limit applies to every file the tool writes, the full disk only to its folder.
  CHECK_THAT(lines[0], Contains("due-" + tool + ": error: " + (disk.tmpfs() ? disk.dir() + "/" : std::string())));
  CHECK_THAT(lines[0], Contains(disk.cause()));
  for (const std::string& name : disk.entries()) {
    INFO(name);
    CHECK(name.find(".tmp-") == std::string::npos);
    CHECK(name.find(".lock") == std::string::npos);
  }
}

const char* const kQuiet = " --threads 1 --log-level error";
// Room for a few of due-explain's montages or CAM volumes of the small phantoms, not for all of them.
constexpr std::size_t kExplainDisk = 4 * 1024;

std::string train_baseline(const due::test::ScratchDir& dir, const std::string& out, const std::string& extra = "") {
  return tool_path("train-classifier") + kQuiet + " --seed 3 --set classifier.width=2 --set classifier.batch_size=4" +
         " --epochs 1 --method baseline --data " + dir.file("dataset.h5") + extra + " --out " + out;
}

// The order in which files were renamed into `folder` while `command` ran (inotify's IN_MOVED_TO).
std::vector<std::string> renames_during(const std::string& folder, const std::string& command) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(inotify_add_watch(fd, folder.c_str(), IN_MOVED_TO) >= 0);
  const auto result = run_command(command);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::vector<std::string> names;
  alignas(inotify_event) char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->len > 0) names.emplace_back(event->name);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  ::close(fd);
  return names;
}

std::size_t position(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Item 2: a full disk.

TEST_CASE("full disk: every writer throws one InputError naming the file and the cause, and leaves nothing",
          "[faults][full-disk]") {
  SmallDisk disk(16 * 1024);
  const std::string big(64 * 1024, 'x');
  auto check = [&](const std::string& file, const std::function<void()>& write) {
    INFO(file);
    try {
      const FileSizeLimit limit(disk);
      write();
      FAIL("no error writing " + file);
    } catch (const due::InputError& e) {
      CHECK_THAT(e.what(), Contains(disk.file(file) + ": cannot "));
      CHECK_THAT(e.what(), Contains(disk.cause()));
    }
    CHECK(disk.entries().empty());
  };
  check("report.md", [&] { due::write_text_file_atomically(disk.file("report.md"), big); });
  check("metrics.json", [&] {
    due::write_text_files_atomically({{disk.file("metrics.csv"), "a\n"}, {disk.file("metrics.json"), big}});
  });
  check("montage.png", [&] {
    due::RgbImage image(256, 256);
    for (std::size_t y = 0; y < 256; ++y)
      for (std::size_t x = 0; x < 256; ++x) {
        const auto h = static_cast<std::uint32_t>((y * 256 + x) * 2654435761u);  // noise: PNG cannot shrink it
        image.set(x, y, due::Rgb{static_cast<std::uint8_t>(h >> 24), static_cast<std::uint8_t>(h >> 16),
                                 static_cast<std::uint8_t>(h >> 8)});
      }
    due::write_png(disk.file("montage.png"), image);
  });
  check("cam.nii.gz", [&] {
    due::VolumeGeometry geometry;
    geometry.shape = due::VolumeShape{16, 64, 64};
    std::mt19937 noise(7);  // gzip cannot shrink it below the disk
    std::uniform_real_distribution<float> uniform(0.f, 1.f);
    std::vector<float> values(geometry.shape.voxels());
    for (float& v : values) v = uniform(noise);
    due::write_nifti(disk.file("cam.nii.gz"), geometry, values);
  });
  check("model.pt", [&] {
    due::CheckpointWriter writer("due-test");
    writer.add_tensor("weights", torch::rand({64, 1024}));
    writer.save(disk.file("model.pt"));
  });
  check("dataset.h5", [&] {
    const due::DatasetLayout layout{due::VolumeShape{8, 32, 32}, 2};
    due::DatasetWriter writer(disk.file("dataset.h5"), layout, due::make_provenance("t"), "t", 0);
    for (std::size_t i = 0; i < 16; ++i) writer.append(due::test::make_test_sample(layout, i));
    writer.commit();
  });
  if (due::png_plots_available()) {
    check("figure.png", [&] {
      due::PlotPanel panel{"t", "x", "y", {}};
      for (int s = 0; s < 6; ++s) {
        due::PlotSeries series{"series " + std::to_string(s), {}, {}, {}};
        for (int i = 0; i < 200; ++i) {
          series.x.push_back(i);
          series.y.push_back(std::sin(i * 0.1 + s) * (i % 7));
        }
        panel.series.push_back(series);
      }
      due::write_line_plots_png(disk.file("figure.png"), {panel, panel, panel}, 900, 900);
    });
  }
}

TEST_CASE("full disk: due-preprocess exits 2 with one line, no HDF5 messages, nothing left", "[faults][full-disk][tools]") {
  SmallDisk disk(8 * 1024);
  const auto result = run_command(disk.prefix() + tool_path("preprocess") + kQuiet +
                                  " --set preprocess.block_size=[8,16,16] --set preprocess.phantom.patients=10 --out " +
                                  disk.file("dataset.h5"));
  check_failed_write(result, disk, "preprocess");
  CHECK(disk.entries().empty());
}

TEST_CASE("full disk: due-explain's PNG and NIfTI files and a classifier's checkpoint", "[faults][full-disk][tools]") {
  due::test::ScratchDir dir;
  due::test::small_phantom_dataset(dir);
  const auto trained = run_command(train_baseline(dir, dir.file("c.pt")));
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);

  // One case, no SECTIONs: each would train the classifier again.
  for (const char* flag : {"--png", "--nifti"}) {
    INFO("due-explain " << flag);
    SmallDisk disk(kExplainDisk);
    const auto result = run_command(disk.prefix() + tool_path("explain") + kQuiet + " --data " +
                                    dir.file("dataset.h5") + " --model " + dir.file("c.pt") + " " + flag + " " +
                                    disk.dir() + " --out " + dir.file("e.h5"));
    check_failed_write(result, disk, "explain");
    CHECK(!fs::exists(dir.file("e.h5")));
    // What did get written is whole.
    for (const std::string& name : disk.entries()) {
      INFO(name);
      if (name.size() > 4 && name.substr(name.size() - 4) == ".png") CHECK_NOTHROW(due::read_png(disk.file(name)));
      if (name.size() > 7 && name.substr(name.size() - 7) == ".nii.gz") CHECK_NOTHROW(due::read_nifti(disk.file(name)));
    }
  }
  {
    INFO("due-train-classifier: checkpoint, log and model on a full disk");
    SmallDisk disk(48 * 1024);
    const auto result = run_command(disk.prefix() + train_baseline(dir, disk.file("classifier.pt")));
    check_failed_write(result, disk, "train-classifier");
    CHECK(!fs::exists(disk.file("classifier.pt")));
    CHECK_THAT(result.output, !Contains("internal error"));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Item 3: companions before the file make looks at; the temporary files of a killed run.

TEST_CASE("companions are renamed before make's target", "[faults][companions][tools]") {
  due::test::ScratchDir dir;
  SECTION("preprocess_report.json before dataset.h5 (a scan source)") {
    // A NIfTI folder of two scans (as in test_scan_sources), the smallest scan source that writes a report.
    const std::string root = dir.file("data");
    for (const char* sub : {"images", "masks"}) fs::create_directories(root + "/" + sub);
    due::VolumeGeometry g;
    g.shape = due::VolumeShape{10, 20, 20};
    std::vector<std::uint8_t> lesion(g.shape.voxels(), 0);
    for (std::size_t z = 3; z <= 6; ++z)
      for (std::size_t y = 8; y <= 12; ++y)
        for (std::size_t x = 8; x <= 12; ++x) lesion[(z * 20 + y) * 20 + x] = 1;
    std::vector<float> image(g.shape.voxels(), -800.f);
    for (std::size_t v = 0; v < image.size(); ++v) image[v] = lesion[v] ? 40.f : -800.f;
    due::write_nifti(root + "/images/pos1.nii.gz", g, image);
    due::write_nifti(root + "/images/neg1.nii.gz", g, std::vector<float>(g.shape.voxels(), -800.f));
    due::write_nifti(root + "/masks/pos1.nii.gz", g, lesion);
    due::test::write_text(root + "/labels.csv", "id,label,patient\npos1,1,p1\nneg1,0,p2\n");
    const std::string out_dir = dir.file("out");
    fs::create_directories(out_dir);
    const auto renames = renames_during(
        out_dir, tool_path("preprocess") + kQuiet + " --source nifti --root " + root + " --out " + out_dir +
                     "/dataset.h5 --set preprocess.block_size=[10,20,20] --set preprocess.scan.block_spacing_mm=[0,0,0]");
    REQUIRE(position(renames, "dataset.h5") < renames.size());
    REQUIRE(position(renames, "preprocess_report.json") < renames.size());
    CHECK(position(renames, "preprocess_report.json") < position(renames, "dataset.h5"));
  }
  SECTION("metrics.csv before metrics.json") {
    due::test::small_phantom_dataset(dir);
    const auto trained = run_command(train_baseline(dir, dir.file("c.pt")));
    REQUIRE(trained.exit_code == 0);
    REQUIRE(run_command(tool_path("explain") + kQuiet + " --data " + dir.file("dataset.h5") + " --model " +
                        dir.file("c.pt") + " --out " + dir.file("e.h5")).exit_code == 0);
    const std::string out_dir = dir.file("eval");
    fs::create_directories(out_dir);
    const auto renames =
        renames_during(out_dir, tool_path("evaluate") + kQuiet + " --data " + dir.file("dataset.h5") +
                                    " --explanations " + dir.file("e.h5") + " --out " + out_dir + "/metrics.json");
    REQUIRE(position(renames, "metrics.json") < renames.size());
    REQUIRE(position(renames, "metrics.csv") < renames.size());
    CHECK(position(renames, "metrics.csv") < position(renames, "metrics.json"));
  }
}

TEST_CASE("the next run of an output removes the temporary files a killed run left", "[faults][stale-temp][tools]") {
  due::test::ScratchDir dir;
  // A PID that is no longer alive: a child that has exited and been reaped.
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const std::string stale = dir.file(".dataset.h5.tmp-" + std::to_string(dead) + "-0");
  const std::string alive = dir.file(".dataset.h5.tmp-" + std::to_string(::getpid()) + "-0");
  const std::string other = dir.file(".other.h5.tmp-" + std::to_string(dead) + "-0");
  for (const std::string& path : {stale, alive, other}) due::test::write_text(path, "half a file");
  due::test::small_phantom_dataset(dir);
  CHECK(!fs::exists(stale));
  CHECK(fs::exists(alive));  // a live process's unfinished output is not ours to remove
  CHECK(fs::exists(other));  // nor is another output's
}

// ---------------------------------------------------------------------------------------------------------------
// Item 4: one writer per output.

TEST_CASE("a second run of an output already being written exits 2 naming the holder", "[faults][lock][tools]") {
  due::test::ScratchDir dir;
  const std::string out = dir.file("dataset.h5");
  const std::string command = tool_path("preprocess") + kQuiet +
                              " --set preprocess.block_size=[8,16,16] --set preprocess.phantom.patients=10 --out " + out;
  {
    const due::OutputLock held(out);  // this process plays the first run
    const auto second = run_command(command);
    INFO(second.output);
    CHECK(second.exit_code == 2);
    REQUIRE(lines_of(second.output).size() == 1);
    CHECK_THAT(second.output, Contains(out + ": another run (PID " + std::to_string(::getpid()) + ") is writing"));
    CHECK(!fs::exists(out));
  }
  const auto after = run_command(command);
  INFO(after.output);
  CHECK(after.exit_code == 0);
  CHECK(dir.entries() == std::vector<std::string>{"dataset.h5"});  // no lock file left behind
}

TEST_CASE("two classifiers with one --out: the second exits 2, the first's log is whole", "[faults][lock][tools]") {
  due::test::ScratchDir dir;
  due::test::small_phantom_dataset(dir);
  const std::string out = dir.file("classifier.pt");
  const std::string train = tool_path("train-classifier") + kQuiet +
                            " --seed 3 --set classifier.width=2 --set classifier.batch_size=4 --epochs 20"
                            " --method baseline --data " + dir.file("dataset.h5") + " --out " + out;
  // 20 epochs: long enough for the second run to start while the first trains.
  const pid_t first = fork();
  if (first == 0) {
    execl("/bin/sh", "sh", "-c", (train + " >/dev/null 2>&1").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(due::output_lock_path(out)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto second = run_command(train);
  int status = 0;
  waitpid(first, &status, 0);
  INFO(second.output);
  CHECK(second.exit_code == 2);
  CHECK_THAT(second.output, Contains("another run (PID "));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // Every row of the log has the header's number of fields.
  const std::vector<std::string> rows = lines_of(due::test::read_text(out + ".log.csv"));
  REQUIRE(rows.size() == 21);  // the header and 20 epochs
  const auto fields = [](const std::string& line) { return std::count(line.begin(), line.end(), ',') + 1; };
  for (const std::string& row : rows) CHECK(fields(row) == fields(rows.front()));
  CHECK(!fs::exists(due::output_lock_path(out)));
}
