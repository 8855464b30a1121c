#include "util/torch_runtime.h"

#include <malloc.h>

#include <cstdlib>
#include <limits>
#include <thread>

#include <torch/torch.h>

#include "util/errors.h"

namespace due {

void keep_freed_memory() {
  const char* setting = std::getenv("DUE_KEEP_FREED_MEMORY");
  if (setting && std::string(setting) == "0") return;
  mallopt(M_MMAP_MAX, 0);  // every block from the heap, which free() keeps for reuse ...
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());  // ... rather than trimming it back to the kernel
}

int max_threads() { return kMaxThreadsPerCore * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int configure_threads(int requested) {
  if (requested < 0 || requested > max_threads())
    throw InputError("threads must be in 0.." + std::to_string(max_threads()) + " (0 = all cores), got " +
                     std::to_string(requested));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = requested == 0 ? cores : requested;
  torch::set_num_threads(threads);
  return threads;
}

std::string resolve_device(const std::string& requested) {
  const bool cuda_usable = torch::cuda::is_available();
  if (requested == "auto") return cuda_usable ? "cuda:0" : "cpu";
  if (requested == "cpu") return "cpu";
  if (requested.rfind("cuda", 0) == 0) {
    int index = 0;
    if (requested.size() > 4) {
      const std::string number = requested.substr(requested.size() > 5 ? 5 : 4);
      if (requested[4] != ':' || number.empty() || number.find_first_not_of("0123456789") != std::string::npos)
        throw InputError("device '" + requested + "' is not one of auto, cpu, cuda, cuda:N");
      index = std::stoi(number);
    }
    if (!cuda_usable) throw InputError("device '" + requested + "': this build or machine has no usable CUDA device");
    const int count = static_cast<int>(torch::cuda::device_count());
    if (index >= count)
      throw InputError("device '" + requested + "': only " + std::to_string(count) + " CUDA device(s) present");
    return "cuda:" + std::to_string(index);
  }
  throw InputError("device '" + requested + "' is not one of auto, cpu, cuda, cuda:N");
}

void seed_torch(std::uint64_t seed) { torch::manual_seed(seed); }

}  // namespace due
