#pragma once
// Comparing two LibTorch modules in tests.
#include <string>

#include <catch2/catch.hpp>
#include <torch/torch.h>

namespace due::test {

// CHECKs that modules `a` and `b` (module holders of one type) have the same parameters and buffers, bit for
// bit, naming each that differs after `what`.
template <typename Module>
void check_same_state(const Module& a, const Module& b, const std::string& what) {
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  REQUIRE(pa.size() == pb.size());
  REQUIRE(pa.size() > 0);
  for (const auto& p : pa) {
    INFO(what << " parameter " << p.key());
    CHECK(torch::equal(p.value(), pb[p.key()]));
  }
  const auto ba = a->named_buffers(), bb = b->named_buffers();
  REQUIRE(ba.size() == bb.size());
  for (const auto& p : ba) {
    INFO(what << " buffer " << p.key());
    CHECK(torch::equal(p.value(), bb[p.key()]));
  }
}

}  // namespace due::test
