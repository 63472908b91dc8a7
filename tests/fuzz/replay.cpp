// Replays files through the fuzz entry points (FuzzTargets.h), without libFuzzer: the
// regression tests of the normal build (tests/fuzz/CMakeLists.txt) run every seed and
// every kept reproducer this way.
//
//   fuzz_replay TARGET PATH...   (a folder stands for the files in it, in name order)
//
// Exit 0 when every input ends normally or in the user-error exception; 1 naming the
// first input that ends in anything else (a crash ends the process as it would end the
// fuzzer).

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "FuzzTargets.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_replay TARGET PATH...\n");
    return 2;
  }
  const skv::fuzz::Target* target = skv::fuzz::find_target(argv[1]);
  if (target == nullptr) {
    std::fprintf(stderr, "fuzz_replay: no target '%s'\n", argv[1]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    const fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(p)) {
        if (e.is_regular_file()) in_dir.push_back(e.path());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "fuzz_replay: %s: no such file or folder\n", argv[i]);
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "fuzz_replay: no inputs\n");
    return 2;
  }
  std::size_t accepted = 0;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      if (target->run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())) {
        ++accepted;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz_replay: %s: %s: %s\n", argv[1], f.c_str(), e.what());
      return 1;
    }
  }
  std::printf("fuzz_replay: %s: %zu inputs, none failed (%zu accepted, %zu refused as bad "
              "input)\n", argv[1], files.size(), accepted, files.size() - accepted);
  return 0;
}
