#!/usr/bin/env bash
# Installs everything swiftkv-sim needs to build and test, from Debian's packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# slurm-wlm and munge serve the Slurm test (tests/slurm/), which starts daemons of its own
# with their files in a temporary directory. The packages' own services are not wanted:
# apt would start munged with the packaged key (and slurmctld and slurmd as soon as an
# /etc/slurm/slurm.conf exists) and leave them running. Where no policy keeps apt from
# starting services already, one does for this install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# services are not started during scripts/install-deps.sh\nexit 101\n' \
    >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

# clang and libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes) build the
# readers' fuzz targets (scripts/fuzz.sh).
apt-get update
apt-get install -y --no-install-recommends \
  g++ cmake ninja-build pkg-config clang libclang-rt-14-dev \
  libsystemc-dev catch2 libfmt-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev \
  python3 python3-matplotlib \
  slurm-wlm munge
