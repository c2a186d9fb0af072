#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-bench.sh BENCH CLI GEN_MODEL MODEL_DIR [ARGS...]: makes the GPT-2-small-shaped
# random model once (about 550 MB, laid out as the hub's gpt2 file: mask buffers, data at
# an odd offset), then runs the benchmark on it. PATCHLENS_BENCH_SHAPES="medium xl" also
# makes and measures gpt2-medium and gpt2-xl shapes (minutes, 1.4 and 6.2 GB).
set -eu
bench=$1 cli=$2 gen=$3 dir=$4
shift 4
make_model () {  # DIR LAYERS HEADS EMBD
  if [ ! -f "$1/model.safetensors" ]; then
    echo "Generating a random model shaped $2 x $4 laid out as the hub's in $1 ..."
    /usr/bin/python3 "$gen" "$1" --layers "$2" --heads "$3" --embd "$4" --positions 1024 \
      --seed 124 --layout hub
  fi
}
make_model "$dir" 12 12 768
"$bench" "$dir" --cli "$cli" "$@"
for shape in ${PATCHLENS_BENCH_SHAPES:-}; do
  case $shape in
    medium) make_model "$dir-medium" 24 16 1024 ;;
    large) make_model "$dir-large" 36 20 1280 ;;
    xl) make_model "$dir-xl" 48 25 1600 ;;
    *) echo "unknown shape $shape (medium, large, xl)" >&2; exit 2 ;;
  esac
  "$bench" "$dir-$shape" --cli "$cli" --skip-naive --skip-64 "$@"
done
