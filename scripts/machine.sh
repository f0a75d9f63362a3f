#!/usr/bin/env bash
# One line naming the machine a measurement ran on, for the benchmark sections and the test log:
# its CPU model, core count and memory ("AMD EPYC, 2 cores, 23 GiB"). Ratios travel between
# machines, absolute times do not; this line says which machine the times belong to.
set -euo pipefail
cpu="$(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }')"
echo "$cpu, $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 " GiB" }')"
