#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-patched-pattern.py: the attention pattern of a head in a sweep's patched run
(pl_attention_pattern_patched, which the app's attention dialog shows) against the
numpy reference's own patched forward pass (TAP).

    check-patched-pattern.py PATH/TO/dump-patched-pattern

On generated models (F32 and F16), for head_q, head_k and head_pattern, both directions,
at every position and at one: the reference runs the patched prompt with the head's
activation replaced by the other run's (reference.Model.forward's tap) and captures that
head's pattern; every probability must agree within 1e-4.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import reference as R  # noqa: E402

TOL = 1e-4
MODELS = [
    ("l3-h4-c48", ["--layers", "3", "--heads", "4", "--embd", "48", "--seed", "21"]),
    ("l2-h2-c32-f16", ["--layers", "2", "--heads", "2", "--embd", "32", "--seed", "22",
                       "--dtype", "F16"]),
]
CLEAN = "When Mary and John went to the store, John gave a drink to"
CORRUPTED = "When Mary and John went to the store, Mary gave a drink to"


def reference_pattern(m, clean, corrupted, layer, head, site, direction, pos):
    target, source = (clean, corrupted) if direction == "noise" else (corrupted, clean)
    cap = {}
    m.forward(source, capture=cap)
    src = cap[site][layer, head]                     # (T,D), or (T,T) for the pattern
    value = src if pos is None else src[pos]
    out = {}
    m.forward(target, patch=(site, layer, pos, value, head), capture=out)
    return out["head_pattern"][layer, head]


def main():
    dump = sys.argv[1]
    n = 0
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for tag, args in MODELS:
            d = Path(tmp) / tag
            subprocess.run([sys.executable, str(HERE / "gen-model.py"), str(d)] + args,
                           check=True, capture_output=True)
            m = R.Model(d)
            clean, corrupted = R.encode_ascii(CLEAN, d), R.encode_ascii(CORRUPTED, d)
            assert len(clean) == len(corrupted)
            diff = [i for i in range(len(clean)) if clean[i] != corrupted[i]][0]
            for site in ("head_q", "head_k", "head_pattern"):
                for direction in ("denoise", "noise"):
                    for pos in (None, diff, len(clean) - 1):
                        worst, problems = 0.0, []
                        for layer in range(m.L):
                            for head in range(m.H):
                                p = subprocess.run(
                                    [dump, str(d), str(layer), str(head), site, direction,
                                     str(-1 if pos is None else pos),
                                     ",".join(map(str, clean)),
                                     ",".join(map(str, corrupted))],
                                    capture_output=True, text=True)
                                if p.returncode != 0:
                                    problems.append(p.stderr.strip())
                                    continue
                                got = np.array(json.loads(p.stdout))
                                ref = reference_pattern(m, clean, corrupted, layer, head,
                                                        site, direction, pos)
                                worst = max(worst, float(np.abs(got - ref).max()))
                        ok = not problems and worst <= TOL
                        failed |= not ok
                        n += 1
                        print("%s %d - %s %s %s at %s: every head within %g (max err %.1e)%s"
                              % ("ok" if ok else "not ok", n, tag, site, direction,
                                 "all positions" if pos is None else "position %d" % pos,
                                 TOL, worst, " " + "; ".join(problems[:2]) if problems else ""),
                              flush=True)
            # head_out and head_v leave the pattern alone: refused in words.
            p = subprocess.run([dump, str(d), "0", "0", "head_v", "denoise", "-1",
                                ",".join(map(str, clean)), ",".join(map(str, corrupted))],
                               capture_output=True, text=True)
            n += 1
            ok = p.returncode == 1 and "does not change the head's pattern" in p.stderr
            failed |= not ok
            print("%s %d - %s: head_v is refused: %s" % ("ok" if ok else "not ok", n, tag,
                                                          p.stderr.strip()), flush=True)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
