// Phantom generation rate (samples/s) at the CPU default size and at the paper's size, on one thread and on
// all cores, with and without writing dataset.h5 (gzip level 1).
//   build/bin/bench_phantom [samples_small] [samples_large]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "cli/config.h"
#include "cli/config_schema.h"
#include "cli/logging.h"
#include "data/phantom.h"
#include "data/phantom_dataset.h"
#include "imaging/smoothing.h"
#include "positional_arguments.h"

namespace {

constexpr char kUsage[] = "bench_phantom [samples_small=64] [samples_large=16] (positive integers)";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void bench_size(const std::string& block, std::size_t patients, int cores) {
  due::Config config(due::toolkit_config_schema());
  config.apply_assignment("preprocess.block_size=" + block);
  config.apply_assignment("preprocess.phantom.patients=" + std::to_string(patients));
  config.apply_assignment("preprocess.phantom.samples_per_patient=[1,1]");
  const due::PhantomConfig phantom = due::phantom_config_from(config);
  const auto specs = due::plan_phantoms(phantom, 1);

  due::set_itk_threads(1);
  auto start = std::chrono::steady_clock::now();
  for (const auto& spec : specs) due::generate_phantom(phantom, spec);
  const double one_thread = static_cast<double>(specs.size()) / seconds_since(start);

  const std::string path = (std::filesystem::temp_directory_path() / "bench_phantom.h5").string();
  start = std::chrono::steady_clock::now();
  due::write_phantom_dataset(path, phantom, due::SplitConfig{0.5, 0.2, 0, false}, 1, cores,
                             due::make_provenance("bench_phantom"), 1);
  const double with_write = static_cast<double>(specs.size()) / seconds_since(start);
  const auto bytes = std::filesystem::file_size(path);
  std::filesystem::remove(path);

  std::printf("%-14s %8zu samples  generate 1 thread: %8.2f samples/s   generate+write, %d threads: %8.2f samples/s"
              "   file %.2f MB/sample\n",
              block.c_str(), specs.size(), one_thread, cores, with_write,
              static_cast<double>(bytes) / 1e6 / static_cast<double>(specs.size()));
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t small = due::bench::positive_count(argc, argv, 1, 64, kUsage);
  const std::size_t large = due::bench::positive_count(argc, argv, 2, 16, kUsage);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  due::set_log_level(due::LogLevel::warn);
  std::printf("phantom generation, %d cores\n", cores);
  bench_size("[32,64,64]", small, cores);
  bench_size("[64,128,128]", large, cores);
  return 0;
}
