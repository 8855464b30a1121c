#pragma once
// Precompiled for every test file. LibTorch brings glog, whose CHECK aborts without reporting: it must not stand
// in for Catch's CHECK, so it is undefined here, before Catch defines its own.
#include <torch/torch.h>
#undef CHECK
#include <catch2/catch.hpp>
