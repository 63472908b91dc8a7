#pragma once

#include <CLI/CLI.hpp>

namespace skv::cli {

// Each add_*_command registers one subcommand on `app`; when it runs, its outcome is
// stored in `exit_code`. Bad input is thrown as skv::InputError (one line, exit 1).

// `run`: a decode trace through the accelerator (RunCommand.cpp).
void add_run_command(CLI::App& app, int& exit_code);
// `validate`: configs and traces checked without simulating (ValidateCommand.cpp).
void add_validate_command(CLI::App& app, int& exit_code);
// `trace gen|import`: decode traces (TraceCommand.cpp).
void add_trace_command(CLI::App& app, int& exit_code);

// `numerics`: fixed-point attention accuracy against a double reference (src/numerics).
void add_numerics_command(CLI::App& app, int& exit_code);

// `sweep SWEEP.yaml`, `sweep merge DIR...` and `sweep submit` (to Slurm): one run per point,
// in parallel (SweepCommand.cpp).
void add_sweep_command(CLI::App& app, int& exit_code);
// `check-fast MATRIX.yaml`: the fast mode against the exact mode over a matrix
// (CheckFastCommand.cpp).
void add_check_fast_command(CLI::App& app, int& exit_code);
// `compare`: attention algorithms on the same hardware, per KV length (CompareCommand.cpp).
void add_compare_command(CLI::App& app, int& exit_code);

// `schema`: the config keys as docs/formats.md's tables, from the schemas
// (SchemaCommand.cpp).
void add_schema_command(CLI::App& app, int& exit_code);
// `stats`: the counters and derived figures a run reports.
void add_stats_command(CLI::App& app, int& exit_code);

// `dram` and `dram gen`: a memory request trace replayed through the DRAM timing core, and
// request traces generated (DramCommand.cpp).
void add_dram_command(CLI::App& app, int& exit_code);

}  // namespace skv::cli
