#!/usr/bin/env bash
# Installs everything swiftkv-sim needs to build and test, from Debian's packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  g++ cmake ninja-build pkg-config \
  libsystemc-dev catch2 libfmt-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev \
  python3 python3-matplotlib
