#!/usr/bin/env bash
# A sweep on a real Slurm: starts munged, slurmctld and slurmd from Debian's packages
# (slurm-wlm, munge) on this machine, on 127.0.0.1 only, with every file in a temporary
# directory; runs configs/sweeps/tiny-array.yaml locally, then submits it with
# `swiftkv-sim sweep submit --shards 3` as a job array and a merge job, waits for both,
# and checks that the merged sweep.csv is byte-identical to the local one. The daemons
# are stopped on every exit, failure included.
#
# Exits 77 (ctest: skipped) with the reason when it cannot run here: not root, or the
# packages not installed. Daemons that do not come up where both are present are a
# failure, with their logs: a broken set-up must not pass as skipped.
#
# usage: sweep_on_slurm.sh SWIFTKV_SIM SOURCE_DIR
set -euo pipefail

sim=$(realpath "$1")
sweep=$(realpath "$2/configs/sweeps/tiny-array.yaml")
shards=3
partition=skvtest
wait_jobs_s=180  # for the jobs to end; the daemons get 30 s each to come up

say() { printf '[%3ds] %s\n' "$SECONDS" "$*"; }
skip() { say "SKIPPED: $*"; exit 77; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "not root: the test starts munged, slurmctld and slurmd as root"
for cmd in munged munge unmunge slurmctld slurmd sbatch squeue scontrol scancel sinfo python3; do
  command -v "$cmd" >/dev/null ||
    skip "$cmd not found: install Debian's slurm-wlm and munge (scripts/install-deps.sh)"
done

tmp=$(mktemp -d /tmp/skv-slurm.XXXXXX)
chmod 755 "$tmp"  # munged wants every directory above its socket open to all
daemon_pids=()
jobs_submitted=()

# The tail of each job's and daemon's log, when something went wrong.
show_logs() {
  for log in "$tmp"/out/slurm/*.log "$tmp"/log/*; do
    [ -f "$log" ] || continue
    echo "---- $log (last 20 lines)"
    tail -n 20 "$log"
  done
}

cleanup() {
  local status=$?
  set +e
  if [ -f "$tmp/slurm.conf" ]; then
    [ ${#jobs_submitted[@]} -eq 0 ] || scancel "${jobs_submitted[@]}" 2>/dev/null
    scontrol shutdown >/dev/null 2>&1
  fi
  for f in slurmctld.pid slurmd.pid munged.pid; do
    [ -f "$tmp/$f" ] && daemon_pids+=("$(cat "$tmp/$f")")
  done
  # Each daemon we started, by its id: given 10 s to stop, then killed.
  for pid in "${daemon_pids[@]}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  [ "$status" = 0 ] || [ "$status" = 77 ] || show_logs
  rm -rf "$tmp"
  say "daemons stopped"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- munge: a key of our own, its socket in the temporary directory.
mkdir -p "$tmp/munge" "$tmp/log" "$tmp/state" "$tmp/spool"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
socket=$tmp/munge/munge.socket
munged --key-file="$tmp/munge/munge.key" --socket="$socket" --pid-file="$tmp/munged.pid" \
  --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munged.seed" ||
  fail "munged did not start: $(tail -n 1 "$tmp/log/munged.log" 2>/dev/null)"
munge -n -S "$socket" | unmunge -S "$socket" >/dev/null ||
  fail "munged does not answer on $socket"
say "munged up ($socket)"

# --- slurm.conf: one node, this machine as slurmd -C sees it, one partition.
host=$(uname -n | cut -d. -f1)
node=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]* //')
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
# A single-node cluster on 127.0.0.1 for one test; no cgroups (this may be a container).
ClusterName=skvtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=$partition Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
say "slurm.conf: node $host ($node), ports $ctld_port and $slurmd_port"

slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start: $(tail -n 1 "$tmp/log/slurmctld.log")"
slurmd -f "$SLURM_CONF" -N "$host" || fail "slurmd did not start: $(tail -n 1 "$tmp/log/slurmd.log")"
state=
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "node $host is '${state:-not known}' after 30 s, not idle: \
$(tail -n 1 "$tmp/log/slurmd.log")"
say "slurmctld and slurmd up: $(sinfo -h -o '%P %a %D %T %N')"

# --- the same sweep run locally, without shards.
"$sim" sweep "$sweep" -j 2 -o "$tmp/local" -q >"$tmp/log/local-sweep.log" 2>&1 ||
  fail "the local sweep failed: $(tail -n 1 "$tmp/log/local-sweep.log")"
say "local sweep: $(grep -c ',done,' "$tmp/local/sweep.csv") points done"

# --- submitted to Slurm.
out=$tmp/out
submitted=$("$sim" sweep submit "$sweep" --shards "$shards" -o "$out" --partition "$partition" \
  --time 00:10:00 --mem 100M 2>&1) || fail "sweep submit: $submitted"
echo "$submitted" | sed 's/^/    /'
array_id=$(echo "$submitted" | sed -n 's/^submitted job array \([0-9]*\) .*/\1/p')
merge_id=$(echo "$submitted" | sed -n 's/^submitted merge job \([0-9]*\) .*/\1/p')
[ -n "$array_id" ] && [ -n "$merge_id" ] || fail "no job ids in the output of sweep submit"
jobs_submitted=("$array_id" "$merge_id")
say "job array $array_id ($shards tasks), merge job $merge_id"

# One line per job: "ID STATE", with the reason while pending and the exit code when
# it ended otherwise than with 0. An array's tasks are ARRAYID_TASK.
job_states() {
  scontrol -o show job "$1" 2>/dev/null | awk '{
    id = ""; arr = ""; task = ""; st = ""; why = ""; ec = ""
    for (i = 1; i <= NF; i++) {
      eq = index($i, "="); k = substr($i, 1, eq - 1); v = substr($i, eq + 1)
      if (k == "JobId") id = v; else if (k == "ArrayJobId") arr = v
      else if (k == "ArrayTaskId") task = v; else if (k == "JobState") st = v
      else if (k == "Reason") why = v; else if (k == "ExitCode") ec = v
    }
    line = (task != "" ? arr "_" task : id) " " st
    if (st == "PENDING") line = line " (" why ")"
    else if (ec != "" && ec != "0:0") line = line " exit " ec
    print line
  }' | sort -V
}
finished() {  # every line in a final state
  ! echo "$1" | grep -qvE ' (COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE)'
}

last=
deadline=$((SECONDS + wait_jobs_s))
while :; do
  now=$(job_states "$array_id"; job_states "$merge_id")
  if [ "$now" != "$last" ]; then
    say "jobs: $(echo "$now" | paste -sd, - | sed 's/,/, /g')"
    last=$now
  fi
  [ -n "$now" ] && finished "$now" && break
  [ $SECONDS -lt $deadline ] ||
    fail "the jobs did not end within $wait_jobs_s s: $(echo "$now" | paste -sd, - | sed 's/,/, /g')"
  sleep 0.5
done
states=$(echo "$now" | paste -sd, - | sed 's/,/, /g')
[ "$(job_states "$array_id" | grep -c ' COMPLETED$')" = "$shards" ] ||
  fail "not every array task completed: $states"
[ "$(job_states "$merge_id")" = "$merge_id COMPLETED" ] ||
  fail "the merge job did not complete: $states"
say "all $shards array tasks and the merge job COMPLETED"
echo "    merge log: $(cat "$out"/slurm/merge-job"$merge_id".log | paste -sd'|' - | sed 's/|/ | /g')"

# --- the comparison.
[ -f "$out/sweep.csv" ] || fail "the merge job wrote no $out/sweep.csv"
bytes=$(wc -c <"$tmp/local/sweep.csv")
if cmp -s "$tmp/local/sweep.csv" "$out/sweep.csv"; then
  say "sweep.csv: byte-identical to the local run ($bytes bytes, $(grep -c ',done,' "$out/sweep.csv") \
points done; sha256 $(sha256sum <"$out/sweep.csv" | cut -c1-16)...)"
else
  diff "$tmp/local/sweep.csv" "$out/sweep.csv" | head -n 20
  fail "the merged sweep.csv differs from the local run's ($(cmp "$tmp/local/sweep.csv" "$out/sweep.csv" || true))"
fi
say "PASSED"
