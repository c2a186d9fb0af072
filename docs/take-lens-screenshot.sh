#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# take-lens-screenshot.sh: photographs the Logit Lens page of the real app (from the
# build folder) under Xvfb at 1280x800 for the README: a random 12-layer, 12-head,
# 192-wide GPT-2 made by tests/gen-model.py and found through $PATCHLENS_MODELS, the
# Michelle prompts opened as an experiment, the page chosen with a click on its
# switcher button and the pointer on a cell of the output row: docs/lens.png.
#
#   docs/take-lens-screenshot.sh [BUILDDIR]      (default: build; built if needed)
#
# The clicks are at fixed places of a 1280x800 window: look at the picture.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
"$src/tools/install-deps" screenshots
build=${1:-build}
case $build in /*) ;; *) build=$src/$build ;; esac
[ -f "$build/build.ninja" ] || meson setup "$build" "$src"
meson compile -C "$build" >/dev/null
scratch=$(mktemp -d)
xvfb_pid=
app_pid=
cleanup () {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT INT TERM

/usr/bin/python3 "$src/tests/gen-model.py" --layers 12 --heads 12 --embd 192 \
  "$scratch/models/gpt2" >/dev/null
cat > "$scratch/michelle.patchlens" <<'JSON'
{"format": "patchlens-experiment", "version": 1,
 "clean": "Michelle Jones was a top-notch student. Michelle",
 "corrupted": "Michelle Smith was a top-notch student. Michelle",
 "clean_answer": " Jones", "corrupted_answer": " Smith",
 "site": "resid_post", "metric": "logit-diff", "model": "gpt2", "top_k": 20}
JSON
mkdir -p "$scratch/xdg/glib-2.0/settings"
printf '[org/patchlens/Patchlens]\nwindow-width=1280\nwindow-height=800\n' \
  > "$scratch/xdg/glib-2.0/settings/keyfile"

display=:$(( 90 + $$ % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 1
env DISPLAY="$display" GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$build/data" \
    XDG_DATA_HOME="$scratch/xdg" XDG_CONFIG_HOME="$scratch/xdg" \
    PATCHLENS_MODELS="$scratch/models" HF_HOME="$scratch/none" \
    GTK_A11Y=none NO_AT_BRIDGE=1 LANG=C.UTF-8 GSK_RENDERER=cairo \
    "$build/src/gui/patchlens" "$scratch/michelle.patchlens" >"$scratch/app.log" 2>&1 &
app_pid=$!
sleep 8
# "Logit Lens" in the header, then a cell of row "out": the lens opens at its readable
# zoom (the figure is wider than the page beside the next-token tables) from its left edge.
DISPLAY="$display" xdotool mousemove 296 27 click 1 sleep 6 mousemove 890 561 sleep 1
import -display "$display" -window root "$src/docs/lens.png"
echo "wrote docs/lens.png"
