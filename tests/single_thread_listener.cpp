// Every test case starts with LibTorch at one intra-op thread, as the tool tests' children do (--threads 1):
// seeded thresholds were tuned at one thread, and a reduction order that changes with the core count must
// not be able to flip them on another machine.
// The listener base is only declared with external interfaces on, so this file skips the precompiled header.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <torch/torch.h>

namespace {

struct SingleThreadListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    torch::set_num_threads(1);
    TestEventListenerBase::testCaseStarting(info);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(SingleThreadListener)
