#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# make-sets.sh PATCHLENS_CLI OUT_DIR: writes the shipped sets of prompt pairs, names.jsonl
# and ioi.jsonl, with `patchlens-cli pairs`, which refuses any filler that is not one GPT-2
# token where it stands. tests/test-pairs.py runs it and compares with data/pairs/.
set -eu
cli=$1 out=$2

# The assignment's pair ("Michelle Jones was a top-notch student. Michelle" against
# "... Smith ..."), for 5 first names x 4 surnames: 20 pairs of 11 tokens.
"$cli" pairs --template "{first} {last} was a top-notch student. {first}" \
  --slot first=Michelle,David,Sarah,James,Emily \
  --slot last=Jones,Brown,Miller,Davis \
  --corrupt last=Smith --answers last,last > "$out/names.jsonl"

# Indirect object identification: "While A and B were working at the place, B gave a
# thing to" -> A. The corrupted prompt swaps the two names, so its answer is B. 12 pairs
# in the ABBA order and 12 in the BABA order, 15 tokens each.
ioi() {
  "$cli" pairs --template "$1" \
    --slot A=Mary,John,Sarah,David,James,Emma --slot B=Mary,John,Sarah,David,James,Emma \
    --slot place=store,park,office,school,garden --slot thing=drink,book,gift,ball \
    --corrupt A=B --answers A,A --limit 12 --seed "$2"
}
{
  ioi "While {A} and {B} were working at the {place}, {B} gave a {thing} to" 1
  ioi "While {B} and {A} were working at the {place}, {B} gave a {thing} to" 2
} > "$out/ioi.jsonl"
