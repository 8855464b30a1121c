// The classifier's training step (forward, Grad-CAM of the positives with the graph kept, DUE explanation loss,
// backward, Adam) in samples/s and peak memory, in C++ (due::train_step as the trainer runs it: due::FusedAdam,
// freed memory kept for reuse; and plain, with torch::optim::Adam and glibc's defaults, to show what those two
// gain) and in PyTorch (bench/train_step.py),
// each configuration run in fresh processes, the three alternating, same threads.
//
//   bench_train_step [--threads N] [--rounds R] [--steps S] [--warmup K] [--python /usr/bin/python3]
//                    [--only demo|paper] [--cam-weights constant|differentiable] [--precision float32|bf16]
//
// --cam-weights (default constant, the trainer's default): whether the loss differentiates Grad-CAM's channel
// weights (classifier.cam.weights); both sides run the same choice, with align_corners true. --precision bf16 runs
// the C++ step under bfloat16 autocast (classifier.precision, nn/precision.h); the Python side is then skipped,
// since it runs float32 only.
//
// First the optimizer's update alone (torch::optim::Adam against due::FusedAdam, widths 4 and 64), then the steps.
//
// The Python side needs Debian's python3-torch (apt-get install python3-torch, the same 1.13 as libtorch-dev);
// without it the C++ figures are printed alone.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <torch/torch.h>

#include "classifier/methods.h"
#include "classifier/model_file.h"
#include "classifier/train_step.h"
#include "classifier/training_set.h"
#include "nn/fused_adam.h"
#include "nn/precision.h"
#include "util/torch_runtime.h"

namespace {

struct Shape {
  std::string name;
  std::int64_t depth, height, width, channels, batch;
  int step_factor = 1;  // timed steps = --steps x this: a short step needs more of them to rise above the noise
};

struct Measure {
  double samples_per_second = 0, peak_mb = 0;
  bool ok = false;
};

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// The C++ step on a synthetic batch, half of it positive. `toolkit`: as the toolkit runs it (due::FusedAdam,
// freed memory kept, util/torch_runtime.h); else plain LibTorch (torch::optim::Adam, glibc's defaults).
int run_worker(const Shape& s, int steps, int warmup, int threads, bool toolkit, due::CamWeights cam_weights,
               due::Precision precision) {
  if (toolkit) due::keep_freed_memory();  // as every tool does; the plain worker is LibTorch's defaults
  torch::set_num_threads(threads);
  torch::manual_seed(1);
  due::ClassifierArchitecture architecture;
  architecture.network.width = s.channels;
  architecture.volume = due::VolumeShape{static_cast<std::size_t>(s.depth), static_cast<std::size_t>(s.height),
                                         static_cast<std::size_t>(s.width)};
  architecture.method = "due";
  architecture.cam_weights = cam_weights;
  due::ResNet18 model(architecture.network);
  model->train();
  due::ClassifierObjective objective(due::find_method("due").make_terms(due::MethodSettings{}));
  std::unique_ptr<torch::optim::Adam> optimizer =
      toolkit ? std::make_unique<due::FusedAdam>(model->parameters(), torch::optim::AdamOptions(1e-3))
            : std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(1e-3));
  due::Batch batch;
  batch.input = torch::rand({s.batch, 1, s.depth, s.height, s.width});
  batch.labels = torch::arange(s.batch, torch::kInt64).remainder(2);
  batch.positives = torch::nonzero(batch.labels == 1).select(1, 0);
  const std::int64_t p = batch.positives.numel();
  batch.targets["human"] = (torch::rand({p, s.depth, s.height, s.width}) > 0.8).to(torch::kFloat32);
  batch.targets["imputed"] = torch::rand({p, s.depth, s.height, s.width});
  batch.targets["weight"] = torch::rand({p, s.depth, s.height, s.width});
  for (int i = 0; i < warmup; ++i)
    due::train_step(model, objective, *optimizer, batch, architecture, {}, nullptr, precision);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i)
    due::train_step(model, objective, *optimizer, batch, architecture, {}, nullptr, precision);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("samples_per_s=%.6f peak_rss_mb=%.1f\n", static_cast<double>(s.batch * steps) / seconds, peak_rss_mb());
  return 0;
}

// The optimizer's update alone on the parameters of a width-`channels` network with random gradients: ms per
// step of torch::optim::Adam and of due::FusedAdam, alternating, median of `steps`.
int run_update_worker(std::int64_t channels, int steps, int threads) {
  torch::set_num_threads(threads);
  torch::manual_seed(1);
  due::ResNetConfig config;
  config.width = channels;
  due::ResNet18 torch_model(config), fused_model(config);
  for (const auto& p : torch_model->parameters()) p.mutable_grad() = torch::randn_like(p);
  for (const auto& p : fused_model->parameters()) p.mutable_grad() = torch::randn_like(p);
  torch::optim::Adam torch_adam(torch_model->parameters(), torch::optim::AdamOptions(1e-3));
  due::FusedAdam fused_adam(fused_model->parameters(), torch::optim::AdamOptions(1e-3));
  auto time_ms = [](torch::optim::Optimizer& optimizer) {
    const auto start = std::chrono::steady_clock::now();
    optimizer.step();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  time_ms(torch_adam);
  time_ms(fused_adam);
  std::vector<double> torch_ms, fused_ms;
  for (int i = 0; i < steps; ++i) {
    torch_ms.push_back(time_ms(torch_adam));
    fused_ms.push_back(time_ms(fused_adam));
  }
  std::int64_t parameters = 0;
  for (const auto& p : fused_model->parameters()) parameters += p.numel();
  std::sort(torch_ms.begin(), torch_ms.end());
  std::sort(fused_ms.begin(), fused_ms.end());
  std::printf("Adam update alone, width %lld (%.2f M parameters), %d threads: torch::optim::Adam %.1f ms, "
              "due::FusedAdam %.1f ms per step (median of %d)\n",
              static_cast<long long>(channels), static_cast<double>(parameters) / 1e6, threads,
              torch_ms[torch_ms.size() / 2], fused_ms[fused_ms.size() / 2], steps);
  return 0;
}

Measure run_process(const std::string& command) {
  Measure m;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) return m;
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  m.ok = pclose(pipe) == 0 &&
         std::sscanf(output.c_str(), "samples_per_s=%lf peak_rss_mb=%lf", &m.samples_per_second, &m.peak_mb) == 2;
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

std::string self_path() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "bench_train_step";
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--threads", "2"}, {"--rounds", "2"}, {"--steps", "3"}, {"--warmup", "1"},
                                          {"--python", "/usr/bin/python3"}, {"--only", ""},
                                          {"--cam-weights", "constant"}, {"--precision", "float32"}};
  std::map<std::string, std::string> worker;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (args.count(key))
      args[key] = argv[i + 1];
    else
      worker[key] = argv[i + 1];
  }
  const int threads = std::stoi(args["--threads"]), steps = std::stoi(args["--steps"]),
            warmup = std::stoi(args["--warmup"]), rounds = std::stoi(args["--rounds"]);
  if (worker.count("--worker") && worker["--worker"] == "update") return run_update_worker(std::stoll(worker["--channels"]), steps, threads);
  if (worker.count("--worker")) {
    const Shape s{"", std::stoll(worker["--depth"]), std::stoll(worker["--height"]), std::stoll(worker["--width"]),
                  std::stoll(worker["--channels"]), std::stoll(worker["--batch"])};
    return run_worker(s, steps, warmup, threads, worker["--worker"] != "cpp-plain",
                      due::parse_cam_weights(args["--cam-weights"]), due::parse_precision(args["--precision"]));
  }

  // The demo's classifier (pipelines/phantom.yaml) and the paper's (width 64; batch 2 rather than 16, so that a
  // run fits in minutes on a 2-core CPU).
  const std::vector<Shape> shapes{{"demo 32x64x64 width 4 batch 8", 32, 64, 64, 4, 8, 10},
                                  {"demo 32x64x64 width 64 batch 8", 32, 64, 64, 64, 8},
                                  {"paper 64x128x128 width 64 batch 2", 64, 128, 128, 64, 2}};
  const std::string script = std::string(DUE_SOURCE_DIR) + "/bench/train_step.py";
  const bool float32 = args["--precision"] == "float32";
  const bool python = float32 && run_process(args["--python"] + " -c 'import torch; print(\"samples_per_s=0 peak_rss_mb=0\")'").ok;
  std::cout << "training step (forward, Grad-CAM with graph, DUE loss, backward, Adam), " << threads
            << " threads, " << steps << " timed steps (x10 at width 4) after " << warmup << " warm-up, " << rounds
            << " rounds rotating C++ as the toolkit runs it (FusedAdam, freed memory kept) / C++ plain LibTorch / Python, median reported; C++/Py is the\n"
               "median over rounds of each round's own ratio, with its range\n";
  if (!float32)
    std::cout << "C++ step in " << args["--precision"] << " autocast; Python side skipped (float32 only)\n";
  else if (!python)
    std::cout << "Python side skipped: " << args["--python"]
              << " cannot import torch (apt-get install python3-torch, then run with /usr/bin/python3)\n";
  for (const std::int64_t channels : {4, 64}) {
    if (!args["--only"].empty()) break;
    std::ostringstream update;
    update << self_path() << " --worker update --channels " << channels << " --steps " << std::max(5, steps)
           << " --threads " << threads;
    std::fflush(stdout);
    if (std::system(update.str().c_str()) != 0) std::cout << "(update benchmark failed)\n";
  }
  std::printf("%-36s %11s %11s %11s %8s %15s %12s %12s\n", "configuration", "C++ samp/s", "C++ plain", "Py samp/s",
              "C++/Py", "(range)", "C++ peak MB", "Py peak MB");
  for (const Shape& s : shapes) {
    if (!args["--only"].empty() && s.name.rfind(args["--only"], 0) != 0) continue;
    std::ostringstream common;
    common << " --depth " << s.depth << " --height " << s.height << " --width " << s.width << " --channels "
           << s.channels << " --batch " << s.batch << " --steps " << steps * s.step_factor << " --warmup " << warmup << " --threads "
           << threads << " --cam-weights " << args["--cam-weights"];
    std::vector<double> cpp_rate, torch_adam_rate, py_rate, ratio, cpp_peak, py_peak;
    for (int round = 0; round < rounds; ++round) {
      const std::string cpp_args = common.str() + " --precision " + args["--precision"];
      const auto cpp = [&] { return run_process(self_path() + " --worker cpp" + cpp_args); };
      const auto cpp_torch_adam = [&] { return run_process(self_path() + " --worker cpp-plain" + cpp_args); };
      const auto py = [&] { return run_process(args["--python"] + " " + script + common.str()); };
      // Which goes first rotates, so none always runs on a warmer (or hotter) machine.
      Measure a, t, b;
      for (int slot = 0; slot < 3; ++slot) {
        switch ((round + slot) % 3) {
          case 0: a = cpp(); break;
          case 1: t = cpp_torch_adam(); break;
          default: if (python) b = py();
        }
      }
      if (a.ok) {
        cpp_rate.push_back(a.samples_per_second);
        cpp_peak.push_back(a.peak_mb);
      }
      if (t.ok) torch_adam_rate.push_back(t.samples_per_second);
      if (b.ok) {
        py_rate.push_back(b.samples_per_second);
        py_peak.push_back(b.peak_mb);
      }
      if (a.ok && b.ok && b.samples_per_second > 0) ratio.push_back(a.samples_per_second / b.samples_per_second);
    }
    char range[64] = "";
    if (!ratio.empty())
      std::snprintf(range, sizeof range, "%.3f-%.3f", *std::min_element(ratio.begin(), ratio.end()),
                    *std::max_element(ratio.begin(), ratio.end()));
    std::printf("%-36s %11.3f %11.3f %11.3f %8.3f %15s %12.0f %12.0f\n", s.name.c_str(), median(cpp_rate),
                median(torch_adam_rate), median(py_rate), median(ratio), range,
                cpp_peak.empty() ? 0.0 : *std::max_element(cpp_peak.begin(), cpp_peak.end()),
                py_peak.empty() ? 0.0 : *std::max_element(py_peak.begin(), py_peak.end()));
    std::fflush(stdout);
  }
  return 0;
}
