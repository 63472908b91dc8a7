#pragma once
// A sweep as a Slurm job array (docs/sweeps.md, "On a Slurm cluster"): one array task per
// shard, each running `swiftkv-sim sweep --shard K/N` into its own directory, and a merge
// job, run after every task succeeded, that runs `swiftkv-sim sweep merge` over them.
// The scripts are plain sbatch files, the same bytes for the same inputs.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace skv::sweep {

// What `sweep submit` asks Slurm for. Empty strings leave Slurm's defaults.
struct SlurmOptions {
  std::uint64_t shards = 0;    // array tasks (1..N)
  unsigned cpus_per_task = 1;  // each task runs this many points at once (sweep -j)
  std::string partition;       // --partition
  std::string time;            // --time, in a format Slurm reads (is_slurm_time)
  std::string mem;             // --mem, e.g. 4G (is_slurm_memory)
  std::string account;         // --account
  std::string mode;            // each shard's `sweep --mode`, when set
};

// Checks the options' syntax, before anything is written: each bad value is one
// InputError line naming the option and what it takes.
void check_slurm_options(const SlurmOptions& o);

// Slurm's time limit formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, INFINITE, UNLIMITED (in any case).
bool is_slurm_time(const std::string& text);
// A memory size as sbatch --mem reads it: a whole number, an optional unit K, M, G or T.
bool is_slurm_memory(const std::string& text);

// The job the scripts describe; every path is absolute.
struct SlurmSweep {
  std::string name;        // the sweep's name (the job names are made of it)
  std::size_t points = 0;  // in the sweep
  std::string exe;         // the swiftkv-sim binary the tasks run
  std::string sweep_file;
  std::string out_dir;  // shards in OUT/shard-K, the merge in OUT, scripts in OUT/slurm
};

// The files under OUT.
inline constexpr const char* kSlurmDir = "slurm";                    // scripts and job logs
inline constexpr const char* kArrayScript = "shards.sbatch";         // the job array
inline constexpr const char* kMergeScript = "merge.sbatch";          // the merge job
std::string shard_dir(const std::string& out_dir, std::uint64_t k);  // OUT/shard-K

struct SlurmScripts {
  std::string array_path;  // OUT/slurm/shards.sbatch
  std::string merge_path;  // OUT/slurm/merge.sbatch
  std::string array_text;
  std::string merge_text;
};

// The two scripts' paths and text. Refuses (InputError) an output directory that a
// #SBATCH --output line cannot hold, and more shards than points.
SlurmScripts slurm_scripts(const SlurmSweep& sweep, const SlurmOptions& o);

// Creates OUT/slurm (where Slurm writes the jobs' logs: it does not create directories)
// and writes both scripts into it.
void write_slurm_scripts(const SlurmScripts& s);

// The sbatch commands that submit the scripts by hand, one per line, for a shell.
std::vector<std::string> sbatch_commands(const SlurmScripts& s);

// `text` for a POSIX shell: as it is when every character is plain, else in single quotes.
std::string shell_quote(const std::string& text);

// The job id that `sbatch --parsable` printed ("1234" or "1234;cluster").
std::string parse_sbatch_job_id(const std::string& stdout_text);

struct SubmittedJobs {
  std::string array_id;
  std::string merge_id;
};

// Submits the job array, then the merge with --dependency=afterok:<array id>, running
// `sbatch` (a path). A failure is an InputError line with sbatch's own error; if the merge
// fails after the array was submitted, the line says so and names the array's id.
SubmittedJobs submit_slurm_scripts(const SlurmScripts& s, const std::string& sbatch);

}  // namespace skv::sweep
