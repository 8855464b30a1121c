#pragma once
// Runs produce(i) for i = 0..count-1 on worker threads, at most `window` items ahead of the consumer, and hands
// the results over strictly in index order: parallel work, deterministic output order, bounded memory.
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace due {

template <typename Result>
class OrderedParallel {
 public:
  OrderedParallel(std::size_t count, int workers, std::function<Result(std::size_t)> produce, std::size_t window = 0)
      : count_(count),
        window_(window ? window : static_cast<std::size_t>(std::max(1, workers)) * 2),
        produce_(std::move(produce)) {
    for (int t = 0; t < std::max(1, workers); ++t) pool_.emplace_back([this] { work(); });
  }
  ~OrderedParallel() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (std::thread& thread : pool_) thread.join();
  }
  OrderedParallel(const OrderedParallel&) = delete;
  OrderedParallel& operator=(const OrderedParallel&) = delete;

  // Blocks until item `index` is ready; rethrows the first failure of any worker.
  Result take(std::size_t index) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return failure_ || ready_.count(index); });
    if (failure_) std::rethrow_exception(failure_);
    Result result = std::move(ready_.at(index));
    ready_.erase(index);
    taken_ = index + 1;
    changed_.notify_all();
    return result;
  }

 private:
  void work() {
    for (;;) {
      std::size_t index;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || failure_ || next_ >= count_ || next_ < taken_ + window_; });
        if (stopping_ || failure_ || next_ >= count_) return;
        index = next_++;
      }
      try {
        Result result = produce_(index);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(index, std::move(result));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      changed_.notify_all();
    }
  }

  const std::size_t count_;
  const std::size_t window_;
  std::function<Result(std::size_t)> produce_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::size_t, Result> ready_;
  std::size_t next_ = 0, taken_ = 0;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> pool_;
};

}  // namespace due
