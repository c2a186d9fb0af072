#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-bench.sh BENCH GEN_MODEL MODEL_DIR [ARGS...]: makes the GPT-2-small-shaped random
# model once (about 500 MB), then runs the benchmark on it.
set -eu
bench=$1 gen=$2 dir=$3
shift 3
if [ ! -f "$dir/model.safetensors" ]; then
  echo "Generating a GPT-2-small-shaped random model in $dir ..."
  /usr/bin/python3 "$gen" "$dir" --layers 12 --heads 12 --embd 768 --positions 1024 --seed 124
fi
exec "$bench" "$dir" "$@"
