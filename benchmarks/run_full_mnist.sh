#!/usr/bin/env bash
# The full-MNIST protocol as it was run on the 2-core build machine.  Resumable: run it again and the
# finished rows are skipped.  1. settings compared on the validation set (the test set is not scored);
# 2. the chosen settings scored once on the test set, every variant with its own baseline, 3 seeds.
#
#     bash benchmarks/run_full_mnist.sh            # both steps
#     bash benchmarks/run_full_mnist.sh search     # step 1 only (or: run)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export VAESSL_DATA=${VAESSL_DATA:-../shared/data}
step=${1:-all}
if [[ $step == all || $step == search ]]; then
  $PY benchmarks/ssl_methods.py search --dataset mnist --seeds 0 --jobs 2
  $PY benchmarks/ssl_methods.py search --dataset mnist --seeds 1 2 --jobs 2 \
      --variants supervised/mlp self-training/mlp
  $PY benchmarks/ssl_methods.py search-report --dataset mnist > /dev/null
fi
if [[ $step == all || $step == run ]]; then
  $PY benchmarks/ssl_methods.py run --dataset mnist --labels 100 --seeds 0 1 2 --jobs 2
  $PY benchmarks/ssl_methods.py run --dataset mnist --labels 600 1000 3000 --seeds 0 1 2 --jobs 2 \
      --variants m2/mlp ladder/mlp pi/cnn+aug+rd
  $PY benchmarks/ssl_methods.py run --dataset mnist --labels 3000 --noise 0.2 0.45 --seeds 0 1 2 --jobs 2
  $PY benchmarks/ssl_methods.py report --dataset mnist > /dev/null
fi
