#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-pairs.py: the sweep over a set of pairs against the numpy reference (TAP).

    check-pairs.py PATH/TO/patchlens-cli

The reference sweeps each pair on its own with reference.sweep (the single-pair
reference, one full forward per patch in float64), then takes the mean and the
population standard deviation (divide by N) with numpy. For generated models, every site
and every metric (and one --naive run; head sites, by position and the noising direction
when the reference has them), `patchlens-cli sweep --pairs` must give the same
mean, std and per-pair matrices: cells within 1e-4 (restored within 1e-4 / min(1, |d_corr
- d_clean|) of the pair with the smallest denominator, since that metric divides by it;
prob-diff also within 1e-3 relative, as its values are tiny for these answers), the texts and answer ids of every pair in file order, and "pairs" = N.
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

CELL_TOL = 1e-4

MODELS = [
    ("l2-h2-c32", ["--layers", "2", "--heads", "2", "--embd", "32", "--seed", "11"]),
    ("l3-h4-c48", ["--layers", "3", "--heads", "4", "--embd", "48", "--seed", "12",
                   "--prefix"]),
]

# Three pairs of 10 tokens each, with different answers, so that the set's mean and std
# are not those of one pair.
PAIRS = [
    ("When Mary and John went to the store, John gave a drink to",
     "When John and Mary went to the store, Mary gave a drink to", " Mary", " John"),
    ("When Anna and Paul went to the park, Paul gave a book to",
     "When Paul and Anna went to the park, Anna gave a book to", " Anna", " Paul"),
    ("When Kate and Mark went to the school, Kate gave a ball to",
     "When Mark and Kate went to the school, Mark gave a ball to", " Mark", " Kate"),
]


class Tap:
    def __init__(self):
        self.n = 0

    def ok(self, cond, msg):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, msg), flush=True)
        return cond


def gen(outdir, args):
    subprocess.run([sys.executable, str(HERE / "gen-model.py"), str(outdir)] + args,
                   check=True)


# Head sites and directions, when the reference (and so the engine) has them.
HEAD_SITES = tuple(getattr(R, "HEAD_SITES", ()))
DIRECTIONS = tuple(getattr(R, "DIRECTIONS", ("denoise",)))


def run_sweep(cli, model, pairs_file, site, metric, naive, out, direction, by_position):
    cmd = [cli, "sweep", "--model", str(model), "--pairs", str(pairs_file),
           "--site", site, "--metric", metric, "--json", str(out)]
    if naive:
        cmd.append("--naive")
    if direction != "denoise":
        cmd += ["--direction", direction]
    if by_position:
        cmd.append("--by-position")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[:400])
    return json.loads(Path(out).read_text(encoding="utf-8")), ""


def max_err(mine, ref):
    a, b = np.array(mine, dtype=float), np.array(ref, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    e = np.abs(a - b)
    e[np.isnan(e)] = np.inf
    return float(e.max())


def reference_set(m, folder, site, direction, by_position):
    """Per pair: ids, answer ids, the sweep for every metric and d_corr - d_clean."""
    out = []
    kw = {} if (direction, by_position) == ("denoise", False) else \
        {"direction": direction, "by_position": by_position}
    for clean, corr, ca, xa in PAIRS:
        ci, xi = R.encode_ascii(clean, folder), R.encode_ascii(corr, folder)
        a, b = R.encode_ascii(ca, folder)[0], R.encode_ascii(xa, folder)[0]
        res = R.sweep(m, ci, xi, a, b, site, list(R.METRICS), 5, **kw)
        den = res["corrupted"]["metrics"]["logit-diff"] - res["clean"]["metrics"]["logit-diff"]
        out.append({"ids": (a, b), "res": res, "den": den})
    return out


def check_case(tap, cli, tag, d, pairs_file, ref, site, metric, naive,
               direction="denoise", by_position=False):
    with tempfile.TemporaryDirectory() as t:
        out, why = run_sweep(cli, d, pairs_file, site, metric, naive, Path(t) / "o.json",
                             direction, by_position)
    case = "%s %s %s%s%s%s" % (tag, site, metric, " --naive" if naive else "",
                               "" if direction == "denoise" else " --direction " + direction,
                               " --by-position" if by_position else "")
    if out is None:
        tap.ok(False, "%s: no JSON (%s)" % (case, why))
        return
    mats = np.array([r["res"]["matrices"][metric] for r in ref])     # (N, L, T)
    mean, std = mats.mean(axis=0), mats.std(axis=0)                  # population std
    tol = CELL_TOL
    if metric == "restored":
        tol = CELL_TOL / min(1.0, min(abs(r["den"]) for r in ref))
    problems = []
    if out.get("format") != "patchlens-sweep-set" or out.get("pairs") != len(PAIRS):
        problems.append("format %r, pairs %r" % (out.get("format"), out.get("pairs")))
    if out.get("site") != site or out.get("metric") != metric:
        problems.append("site/metric %s/%s" % (out.get("site"), out.get("metric")))
    per = out.get("per_pair", [])
    if len(per) != len(PAIRS):
        problems.append("%d per_pair entries" % len(per))
    e_mean, e_std = max_err(out["matrix"], mean), max_err(out["std"], std)
    e_pair = 0.0
    for i, (p, r) in enumerate(zip(per, ref)):
        e_pair = max(e_pair, max_err(p["matrix"], r["res"]["matrices"][metric]))
        if (p["clean"], p["corrupted"]) != PAIRS[i][:2]:
            problems.append("pair %d texts %r / %r" % (i + 1, p["clean"], p["corrupted"]))
        if (p["clean_answer_id"], p["corrupted_answer_id"]) != r["ids"]:
            problems.append("pair %d answer ids %d / %d, reference %d / %d"
                            % ((i + 1, p["clean_answer_id"], p["corrupted_answer_id"]) + r["ids"]))
    for name, e in (("mean", e_mean), ("std", e_std), ("per-pair", e_pair)):
        if not e <= tol:
            problems.append("%s max err %.2e > %.0e" % (name, e, tol))
    if metric == "prob-diff":
        # The answers are unlikely tokens of a random model: the probabilities are tiny,
        # so the absolute tolerance alone would prove little; also 1e-3 relative.
        scale = float(np.abs(mats).max())
        e_rel = max(e_mean, e_std, e_pair) / scale if scale > 0 else float("inf")
        if not e_rel <= 1e-3:
            problems.append("relative err %.2e > 1e-3 (values up to %.2e)" % (e_rel, scale))
    tap.ok(not problems, "%s: mean err %.1e, std err %.1e, per-pair err %.1e (tol %.0e)%s"
           % (case, e_mean, e_std, e_pair, tol, ("; " + "; ".join(problems)) if problems else ""))


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: check-pairs.py PATH/TO/patchlens-cli\n")
        return 2
    cli = argv[0]
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix="patchlens-pairs-") as t:
        tmp = Path(t)
        pairs_file = tmp / "set.jsonl"
        pairs_file.write_text("".join(
            json.dumps({"clean": c, "corrupted": x, "clean_answer": a, "corrupted_answer": b})
            + "\n" for c, x, a, b in PAIRS), encoding="utf-8")
        for mi, (name, args) in enumerate(MODELS):
            d = tmp / name
            gen(d, args)
            m = R.Model(d)
            ids = [len(R.encode_ascii(c, d)) for c, x, _, _ in PAIRS]
            tap.ok(len(set(ids)) == 1, "%s: the reference tokenizer gives every prompt %s tokens"
                   % (name, ids))
            for site in R.SITES:
                ref = reference_set(m, d, site, "denoise", False)
                for metric in R.METRICS:
                    check_case(tap, cli, name, d, pairs_file, ref, site, metric, False)
                if site == R.SITES[mi % len(R.SITES)]:
                    check_case(tap, cli, name, d, pairs_file, ref, site, "logit-diff", True)
            # Head sites (half of them on each model), by position (one per model) and
            # the noising direction, with the metrics that differ most between them:
            # logit-diff and the normalised restored.
            heads = HEAD_SITES[mi::2]
            cases = [(s, "noise", False, mt) for s in R.SITES if "noise" in DIRECTIONS
                     for mt in ("logit-diff", "restored")]
            cases += [(s, dr, False, mt) for s in heads for dr in DIRECTIONS
                      for mt in ("logit-diff", "restored")]
            cases += [(s, dr, True, "logit-diff") for s in heads[:1] for dr in DIRECTIONS]
            refs = {}
            for site, direction, by_position, metric in cases:
                key = (site, direction, by_position)
                if key not in refs:
                    refs[key] = reference_set(m, d, site, direction, by_position)
                check_case(tap, cli, name, d, pairs_file, refs[key], site, metric, False,
                           direction, by_position)
    print("1..%d" % tap.n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
