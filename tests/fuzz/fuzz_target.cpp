// One libFuzzer target (built with SKV_FUZZ, clang, -fsanitize=fuzzer): the entry point
// named by SKV_FUZZ_TARGET in FuzzTargets.cpp. scripts/fuzz.sh builds and runs them all.

#include <cstdio>
#include <cstdlib>

#include "FuzzTargets.h"

namespace {
const skv::fuzz::Target* target = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  target = skv::fuzz::find_target(SKV_FUZZ_TARGET);
  if (target == nullptr) {
    std::fprintf(stderr, "no fuzz target '%s'\n", SKV_FUZZ_TARGET);
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  target->run(data, size);
  return 0;
}
