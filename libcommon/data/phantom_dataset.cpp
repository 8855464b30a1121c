#include "data/phantom_dataset.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <exception>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cli/logging.h"
#include "cli/progress.h"
#include "imaging/smoothing.h"
#include "io/dataset_store.h"

namespace due {
namespace {

std::string describe_source(const PhantomConfig& c, std::size_t samples) {
  std::ostringstream out;
  out << "synthetic CT-like phantoms: " << samples << " blocks of " << c.shape.depth << "x" << c.shape.height << "x"
      << c.shape.width << " (D,H,W), spacing " << c.spacing_mm[0] << "x" << c.spacing_mm[1] << "x" << c.spacing_mm[2]
      << " mm, " << c.raters.size() << " simulated raters, consensus level " << c.consensus_level;
  return out.str();
}

// Workers generate samples ahead of the writer, at most `window` ahead, while the calling thread writes them
// in index order (HDF5 compression runs concurrently with generation).
class OrderedGenerator {
 public:
  OrderedGenerator(const PhantomConfig& config, const std::vector<PhantomSpec>& specs, int workers)
      : config_(config), specs_(specs), window_(static_cast<std::size_t>(std::max(1, workers)) * 2) {
    for (int t = 0; t < std::max(1, workers); ++t) pool_.emplace_back([this] { work(); });
  }
  ~OrderedGenerator() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (std::thread& thread : pool_) thread.join();
  }

  // Blocks until sample `index` is ready and hands it over; rethrows a worker's failure.
  DatasetSample take(std::size_t index) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return failure_ || ready_.count(index); });
    if (failure_) std::rethrow_exception(failure_);
    DatasetSample sample = std::move(ready_[index]);
    ready_.erase(index);
    taken_ = index + 1;
    changed_.notify_all();
    return sample;
  }

 private:
  void work() {
    for (;;) {
      std::size_t index;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || failure_ || next_ >= specs_.size() || next_ < taken_ + window_; });
        if (stopping_ || failure_ || next_ >= specs_.size()) return;
        index = next_++;
      }
      try {
        DatasetSample sample = generate_phantom(config_, specs_[index]);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(index, std::move(sample));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      changed_.notify_all();
    }
  }

  const PhantomConfig& config_;
  const std::vector<PhantomSpec>& specs_;
  const std::size_t window_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::size_t, DatasetSample> ready_;
  std::size_t next_ = 0, taken_ = 0;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> pool_;
};

}  // namespace

PhantomDatasetSummary write_phantom_dataset(const std::string& out_path, const PhantomConfig& phantom,
                                            const SplitConfig& split, std::uint64_t seed, int threads,
                                            const Provenance& provenance, int gzip_level) {
  const std::vector<PhantomSpec> specs = plan_phantoms(phantom, seed);
  std::vector<std::string> patients;
  std::vector<std::uint8_t> labels;
  for (const PhantomSpec& spec : specs) {
    patients.push_back(spec.patient);
    labels.push_back(spec.label);
  }
  const std::vector<std::uint8_t> splits = assign_splits(patients, labels, split, seed);

  PhantomDatasetSummary summary;
  summary.samples = specs.size();
  summary.patients = std::set<std::string>(patients.begin(), patients.end()).size();
  log_info("generating ", specs.size(), " phantoms (", summary.patients, " patients) on ", threads, " threads into ",
           out_path);

  // Samples run in parallel, so each one's ITK smoothing stays on its own thread.
  set_itk_threads(1);
  DatasetWriter writer(out_path, DatasetLayout{phantom.shape, phantom.raters.size()}, provenance,
                       describe_source(phantom, specs.size()), gzip_level);
  Progress progress("phantoms", specs.size(), "samples");
  OrderedGenerator generator(phantom, specs, threads);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    DatasetSample sample = generator.take(i);
    sample.split = splits[i];
    summary.positives += sample.label;
    ++summary.per_split[sample.split];
    writer.append(sample);
    progress.advance();
  }
  writer.commit();
  progress.finish();
  summary.seconds = progress.elapsed_seconds();
  return summary;
}

}  // namespace due
