#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "io/atomic_output.h"
#include "io/dataset_store.h"
#include "support.h"
#include "util/errors.h"

namespace fs = std::filesystem;

TEST_CASE("atomic output: nothing under the final name until commit", "[atomic]") {
  due::test::ScratchDir dir;
  const std::string final_path = dir.file("out.txt");
  {
    due::AtomicOutput out(final_path);
    due::test::write_text(out.temp_path(), "partial");
    CHECK(fs::path(out.temp_path()).parent_path() == fs::path(final_path).parent_path());
    CHECK(!fs::exists(final_path));
  }
  CHECK(!fs::exists(final_path));
  CHECK(dir.entries().empty());  // the temporary file went too

  {
    due::AtomicOutput out(final_path);
    due::test::write_text(out.temp_path(), "complete");
    out.commit();
    CHECK(!fs::exists(out.temp_path()));
  }
  CHECK(due::test::read_text(final_path) == "complete");
}

TEST_CASE("atomic output: a failing writer leaves no dataset behind", "[atomic]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("dataset.h5");
  const due::DatasetLayout layout{due::VolumeShape{2, 3, 4}, 1};
  try {
    due::DatasetWriter writer(path, layout, due::make_provenance("t"), "t", 1);
    writer.append(due::test::make_test_sample(layout, 0));
    due::DatasetSample wrong = due::test::make_test_sample(layout, 1);
    wrong.image.pop_back();
    writer.append(wrong);  // throws
    writer.commit();
  } catch (const std::logic_error&) {
  }
  CHECK(!fs::exists(path));
  CHECK(dir.entries().empty());
}

TEST_CASE("atomic output: an output folder that does not exist is an input error", "[atomic]") {
  CHECK_THROWS_AS(due::AtomicOutput("/nonexistent-folder/x.h5"), due::InputError);
}

namespace {
// Starts due-preprocess on a job large enough to be interrupted, waits for its temporary file, then sends
// `signal_number`. Returns the folder's entries afterwards.
std::vector<std::string> interrupt_preprocess(const due::test::ScratchDir& dir, int signal_number) {
  const std::string tool = due::test::tool_path("preprocess");
  const std::string out = dir.file("dataset.h5");
  const pid_t child = fork();
  if (child == 0) {
    freopen("/dev/null", "w", stderr);
    execl(tool.c_str(), tool.c_str(), "--source", "phantom", "--threads", "1", "--set", "preprocess.phantom.patients=5000",
          "--out", out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool temp_seen = false;
  while (!temp_seen && std::chrono::steady_clock::now() < deadline) {
    for (const std::string& name : dir.entries()) temp_seen = temp_seen || name.find(".tmp-") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Let it write a few samples into the temporary file first.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(child, signal_number);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(temp_seen);
  CHECK(WIFSIGNALED(status));
  return dir.entries();
}
}  // namespace

TEST_CASE("atomic output: a stage killed mid-write leaves no final file", "[atomic][tools]") {
  SECTION("SIGTERM: the temporary file is removed too") {
    due::test::ScratchDir dir;
    const auto entries = interrupt_preprocess(dir, SIGTERM);
    CHECK(entries.empty());
  }
  SECTION("SIGKILL: only a temporary name (and the lock file, no longer locked) may remain") {
    due::test::ScratchDir dir;
    const auto entries = interrupt_preprocess(dir, SIGKILL);
    for (const std::string& name : entries)
      CHECK((name.find(".tmp-") != std::string::npos || name == ".dataset.h5.lock"));
    CHECK(!fs::exists(dir.file("dataset.h5")));
  }
}
