// Simulation speed of whole decode steps: wall-clock decode steps per second and peak
// memory, for a model at a KV length on a hardware config.
//
//   decode_speed [HW MODEL KV_LEN STEPS]
//   (defaults: configs/hw/swiftkv-mha-u55c.yaml configs/models/llama2-7b.yaml 4094 2: the
//   steps at KV lengths 4094 and 4095, the last that fit max_context 4096)
//
// Target (docs/architecture.md): at least 20 llama2-7b decode steps per second at KV
// length 4K on one core. The figures are printed, never asserted.

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <systemc>

#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "sim/Simulation.h"
#include "trace/DecodeTrace.h"

int sc_main(int argc, char** argv) {
  const std::string hw_path = argc > 1 ? argv[1] : "configs/hw/swiftkv-mha-u55c.yaml";
  const std::string model_path = argc > 2 ? argv[2] : "configs/models/llama2-7b.yaml";
  const std::uint64_t kv_len = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 4094;
  const std::uint64_t steps = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 2;
  try {
    const auto hw = skv::config::load_hw_config(hw_path);
    const auto model = skv::config::load_model_config(model_path);
    const std::string trace =
        (std::filesystem::temp_directory_path() / fmt::format("decode_speed_{}.trace", getpid()))
            .string();
    skv::trace::GenerateOptions g;
    g.requests = 1;
    g.prompt_tokens = kv_len;
    g.generate_tokens = steps;
    skv::trace::generate_trace(g, trace);

    const auto start = std::chrono::steady_clock::now();
    const auto r = skv::sim::run_simulation(hw, model, trace, skv::tlmx::AttentionAlgo::SwiftKV,
                                            [](const skv::sim::BatchResult&) {});
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::filesystem::remove(trace);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double bursts = static_cast<double>(r.dram.bytes_read + r.dram.bytes_written) /
                          static_cast<double>(hw.dram.org.burst_bytes());
    fmt::print("decode_speed: {} on {}, KV length {} (+{} steps)\n", model.name, hw.name, kv_len,
               steps);
    fmt::print("  simulated     {} decode steps, {} cycles, {:.0f} DRAM bursts\n", r.steps,
               r.cycles, bursts);
    fmt::print("  wall time     {:.3f} s\n", secs);
    fmt::print("  speed         {:.2f} decode steps/s, {:.1f} M bursts/s\n",
               static_cast<double>(r.steps) / secs, bursts / secs / 1e6);
    fmt::print("  peak memory   {:.1f} MiB (max RSS)\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  } catch (const std::exception& e) {
    fmt::print(stderr, "decode_speed: {}\n", e.what());
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
