#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# valgrind-cli.sh CLI SANITIZE PYTHON3 GEN_MODEL: a CLI sweep on a tiny generated model
# (JSON, CSV and PNG outputs) under valgrind memcheck. A definite leak fails the test;
# the LEAK SUMMARY is printed either way. Exit 77 (skip) in a sanitized build: valgrind
# cannot run a program built with AddressSanitizer.
set -eu
cli=$1 sanitize=$2 python3=$3 gen_model=$4

if [ "$sanitize" != none ]; then
  echo "SKIP: this build uses -Db_sanitize=$sanitize; valgrind and AddressSanitizer" \
       "do not mix (run this test from a build without sanitizers)"
  exit 77
fi
if ! command -v valgrind >/dev/null; then
  echo "FAIL: valgrind is not installed (tools/install-deps test installs it)" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pl-valgrind-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$python3" "$gen_model" "$tmp/tiny" --layers 2 --heads 2 --embd 32 --positions 64 \
  --seed 5 >/dev/null

# fontconfig keeps an FcPattern's element array as an offset from the pattern, not as a
# pointer, so the patterns that pango's font map caches for the life of the process
# look unreferenced. Only a block that fontconfig itself allocates (malloc or realloc
# called straight from libfontconfig) is suppressed; a leak of ours has our frame there.
cat > "$tmp/fontconfig.supp" <<'EOF'
{
   fontconfig-pattern-offsets
   Memcheck:Leak
   match-leak-kinds: definite
   fun:*alloc
   obj:*/libfontconfig.so.1*
}
EOF

# GLib 2.74 serves GObjects from its slice allocator: always-malloc lets memcheck see
# each object as the block it is.
status=0
G_SLICE=always-malloc G_DEBUG=gc-friendly \
  valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
    --suppressions="$tmp/fontconfig.supp" --log-file="$tmp/valgrind.log" \
    "$cli" sweep --model "$tmp/tiny" \
      --clean "Michelle Jones was a top-notch student. Michelle" \
      --corrupted "Michelle Smith was a top-notch student. Michelle" \
      --clean-answer " Jones" --corrupted-answer " Smith" \
      --json "$tmp/out.json" --csv "$tmp/out.csv" --png "$tmp/out.png" \
      >"$tmp/stdout" || status=$?

sed -n '/LEAK SUMMARY/,/suppressed:/p' "$tmp/valgrind.log"
grep 'ERROR SUMMARY' "$tmp/valgrind.log" || true
if [ "$status" -ne 0 ]; then
  echo "FAIL: valgrind or the CLI exited with $status; the full report:"
  cat "$tmp/valgrind.log"
  exit 1
fi
# The run did the work it was asked for (a crash-free but empty run proves nothing).
for f in out.json out.csv out.png; do
  if [ ! -s "$tmp/$f" ]; then
    echo "FAIL: the sweep wrote no $f"
    exit 1
  fi
done
grep -q '"format": "patchlens-sweep"' "$tmp/out.json" || {
  echo "FAIL: out.json is not a sweep result"; exit 1; }
echo "OK: no definite leak; wrote $(wc -c < "$tmp/out.json") bytes of JSON," \
     "$(wc -l < "$tmp/out.csv") CSV lines and a $(wc -c < "$tmp/out.png")-byte PNG"
