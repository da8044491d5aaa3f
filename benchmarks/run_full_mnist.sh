#!/usr/bin/env bash
# The full-MNIST protocol in the order it was run on the 2-core build machine (resumable: run it again
# and the finished rows are skipped).  1. settings on validation; 2. the chosen ones scored on test.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export VAESSL_DATA=${VAESSL_DATA:-../shared/data}
step=${1:-all}
if [[ $step == all || $step == search ]]; then
  $PY benchmarks/ssl_methods.py search --dataset mnist --seeds 0 --jobs 2
  $PY benchmarks/ssl_methods.py search --dataset mnist --seeds 1 2 --jobs 2 \
      --variants supervised/mlp self-training/mlp co-training/mlp pi/mlp+aug co-teaching/mlp
  $PY benchmarks/ssl_methods.py search-report --dataset mnist > /dev/null
fi
if [[ $step == all || $step == run ]]; then
  $PY benchmarks/ssl_methods.py run --dataset mnist --labels 100 --seeds 0 1 2 --jobs 2 --order cheap-first
  $PY benchmarks/ssl_methods.py report --dataset mnist > /dev/null
fi
