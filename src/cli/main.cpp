// swiftkv-sim: one binary, one subcommand per job (docs/architecture.md, "Command line").

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <systemc>

#include "cli/Commands.h"
#include "common/BuildId.h"
#include "common/Error.h"
#include "config/ResolvedConfig.h"

namespace {

// CLI11 reads "-1" into an unsigned option as 2^64 - 1: every unsigned option of every
// command refuses a sign, naming the option (CLI11 prefixes the option's name).
void refuse_negative_numbers(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_type_name().rfind("UINT", 0) != 0) continue;
    opt->check(CLI::Validator(
        [](std::string& value) -> std::string {
          const auto at = value.find_first_not_of(" \t");
          if (at != std::string::npos && value[at] == '-') {
            return "'" + value + "' is negative (allowed: a whole number >= 0)";
          }
          return {};
        },
        "", "not negative"));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    refuse_negative_numbers(*sub);
  }
}

}  // namespace

// SystemC's entry point: sc_elab_and_sim() below calls it with the kernel set up.
int sc_main(int argc, char** argv) {
  CLI::App app{"swiftkv-sim: a cycle-accurate SystemC/TLM-2.0 simulator of an LLM-decode "
               "accelerator modelled on SwiftKV-MHA"};
  app.require_subcommand(1);
  // The build id and the config schema's version: what a sweep's resume hashes compare.
  app.set_version_flag("--version", fmt::format("swiftkv-sim 0.1.0 (build {}, config schema {})",
                                                skv::build_id(), skv::config::schema_version()));
  int exit_code = 0;
  skv::cli::add_run_command(app, exit_code);
  skv::cli::add_validate_command(app, exit_code);
  skv::cli::add_trace_command(app, exit_code);
  skv::cli::add_numerics_command(app, exit_code);
  skv::cli::add_sweep_command(app, exit_code);
  skv::cli::add_compare_command(app, exit_code);
  skv::cli::add_check_fast_command(app, exit_code);
  skv::cli::add_dram_command(app, exit_code);
  skv::cli::add_schema_command(app, exit_code);
  skv::cli::add_stats_command(app, exit_code);
  refuse_negative_numbers(app);

  // CLI11 would report a mistyped command as a missing one; name it and list the commands.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      known = known || sub->check_name(argv[1]);
      names += names.empty() ? sub->get_name() : ", " + sub->get_name();
    }
    if (!known) {
      fmt::print(stderr, "swiftkv-sim: error: unknown command '{}'; the commands are {}\n",
                 argv[1], names);
      return 2;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    fmt::print(stderr, "swiftkv-sim: error: {} (see --help)\n", e.what());
    return 2;
  } catch (const skv::InputError& e) {
    fmt::print(stderr, "swiftkv-sim: error: {}\n", e.what());
    return 1;
  } catch (const skv::SimulationError& e) {
    fmt::print(stderr, "swiftkv-sim: error: {}\n", e.what());
    return 4;
  } catch (const sc_core::sc_report& e) {
    fmt::print(stderr, "swiftkv-sim: internal error in the simulation kernel: {}\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "swiftkv-sim: internal error: {}\n", e.what());
    return 3;
  }
  return exit_code;
}

int main(int argc, char** argv) {
  // The SystemC kernel prints a banner on first use unless told not to.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
