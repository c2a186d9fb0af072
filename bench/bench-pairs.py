#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench-pairs.py: a set of pairs in one process against one CLI process per pair.

    bench-pairs.py PATCHLENS_CLI GEN_MODEL MODEL_DIR PAIRS.jsonl [--threads N]

Makes the GPT-2-small-shaped random model once (about 500 MB), then, in the same run:
  1. every pair of the set as its own `patchlens-cli sweep --clean ... --json` process,
     one after another (the baseline: what a user does without sets);
  2. the whole set as one `patchlens-cli sweep --pairs ... --json` process.
Each is timed as a whole process (start, model load, sweeps, writing the JSON); peak
memory is the process's maximum RSS. Prints both, the ratio, the set's peak memory
against the weights file (target: <= 1.3 x weights + 100 MB), and checks that the set's
per-pair matrices are the single runs' matrices.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd):
    """(wall seconds, CPU seconds, peak RSS in bytes) of one whole process; raises if it
    fails. CPU time (user + system, all threads) is printed beside the wall time because
    the build machines are shared: it moves less when other jobs compete for the cores."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(cmd[:4]), err))
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    cli, gen, model, pairs_file = argv[:4]
    extra = argv[4:]
    if not (Path(model) / "model.safetensors").is_file():
        print("Generating a GPT-2-small-shaped random model in %s ..." % model, flush=True)
        subprocess.run([sys.executable, gen, model, "--layers", "12", "--heads", "12",
                        "--embd", "768", "--positions", "1024", "--seed", "124", "--layout", "hub"],
                       check=True)
    pairs = [json.loads(x) for x in Path(pairs_file).read_text(encoding="utf-8").splitlines()
             if x.strip()]
    weights = (Path(model) / "model.safetensors").stat().st_size
    with tempfile.TemporaryDirectory(prefix="bench-pairs-") as t:
        tmp = Path(t)

        def single(i, p):
            return [cli, "sweep", "--model", model, "--clean", p["clean"], "--corrupted",
                    p["corrupted"], "--clean-answer", p["clean_answer"], "--corrupted-answer",
                    p["corrupted_answer"], "--json", str(tmp / ("single-%d.json" % i))] + extra

        timed(single(0, pairs[0]))   # warm-up: the weights into the page cache
        print("%d pairs from %s, model %s (weights %.0f MB)"
              % (len(pairs), pairs_file, model, weights / 1e6), flush=True)
        t_single, cpu_single, rss_single = 0.0, 0.0, 0
        for i, p in enumerate(pairs):
            s, cpu, rss = timed(single(i, p))
            t_single += s
            cpu_single += cpu
            rss_single = max(rss_single, rss)
        print("  %d separate CLI runs:   %7.2f s wall (%.2f s a pair), %7.2f s CPU, peak RSS "
              "%.0f MB" % (len(pairs), t_single, t_single / len(pairs), cpu_single,
                           rss_single / 1e6), flush=True)
        t_set, cpu_set, rss_set = timed([cli, "sweep", "--model", model, "--pairs",
                                         pairs_file, "--json", str(tmp / "set.json")] + extra)
        print("  one sweep --pairs run: %7.2f s wall (%.2f s a pair), %7.2f s CPU, peak RSS "
              "%.0f MB" % (t_set, t_set / len(pairs), cpu_set, rss_set / 1e6))
        budget = 1.3 * weights + 100e6
        print("  speed-up %.2fx wall, %.2fx CPU (target >= 1.5x); set memory %.0f MB = %.2f x weights, "
              "budget 1.3 x weights + 100 MB = %.0f MB: %s"
              % (t_single / t_set, cpu_single / cpu_set, rss_set / 1e6, rss_set / weights, budget / 1e6,
                 "within" if rss_set <= budget else "OVER"))
        doc = json.loads((tmp / "set.json").read_text(encoding="utf-8"))
        diff = 0.0
        for i, p in enumerate(doc["per_pair"]):
            one = json.loads((tmp / ("single-%d.json" % i)).read_text(encoding="utf-8"))
            diff = max(diff, max(abs(a - b) for ra, rb in zip(p["matrix"], one["matrix"])
                                 for a, b in zip(ra, rb)))
        print("  per-pair matrices against the single runs: max |difference| %.3g" % diff)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
