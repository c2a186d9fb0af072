#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-reference.py: the C engine against the independent numpy reference (TAP).

    check-reference.py PATH/TO/patchlens-cli

First checks the reference against itself in ways that do not share its code path
(causality, embedding patching, identities between sites, the GPT-2 tokenizer's known
ids, dtype and name-prefix variants of one model), then, for several random models made
by gen-model.py, runs `patchlens-cli sweep` for every site and metric (and once per model
with --naive) and `patchlens-cli topk`, and compares with reference.py: top-k ids
identical, probabilities within 1e-5, logits and matrix cells within 1e-4 (restored
cells within 1e-4 / min(1, |d_corr - d_clean|), since that metric divides by it).
Head sites (head_out, head_q, head_k, head_v, head_pattern, at all positions and
--by-position) and both directions are compared the same way on the Michelle pair of
every model (the reference patches the maths, one full forward per patch), with fast
and --naive also compared with each other. In every position-specific fast sweep the
cells before the first differing token must also equal the engine's own unpatched
(base) run's metric, since the engine runs no patch there.
Prints `ok N - ...` / `not ok N - ...` lines, then the plan.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import reference as R  # noqa: E402

PROB_TOL = 1e-5
LOGIT_TOL = 1e-4
CELL_TOL = 1e-4
K = 20

# (name, gen-model.py arguments)
MODELS = [
    ("l2-h2-c32", ["--layers", "2", "--heads", "2", "--embd", "32", "--seed", "1"]),
    ("l3-h4-c48-prefix-mask", ["--layers", "3", "--heads", "4", "--embd", "48", "--seed", "2",
                               "--prefix", "--mask-buffers"]),
    ("l2-h4-c32-f16", ["--layers", "2", "--heads", "4", "--embd", "32", "--seed", "3",
                       "--dtype", "F16"]),
    # laid out as the hub's gpt2 file: data at an odd offset, mask buffers present
    ("l4-h2-c32-hub", ["--layers", "4", "--heads", "2", "--embd", "32", "--seed", "4",
                       "--layout", "hub"]),
    ("l1-h4-c64-bf16", ["--layers", "1", "--heads", "4", "--embd", "64", "--seed", "5",
                        "--dtype", "BF16"]),
]

MICHELLE = ("Michelle Jones was a top-notch student. Michelle",
            "Michelle Smith was a top-notch student. Michelle", " Jones", " Smith")
# The answers of the second pair are chosen per model (see pick_answers) so that they
# are likely tokens of the random model: then prob-diff and restored are not ~0 / ~0.
CAPITAL = ("The capital of France is", "The capital of Italy is")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, msg):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, msg), flush=True)
        return cond

    def diag(self, msg):
        for line in str(msg).splitlines():
            print("# " + line, flush=True)


def gen(outdir, args):
    subprocess.run([sys.executable, str(HERE / "gen-model.py"), str(outdir)] + args,
                   check=True)


# ---- the reference against itself ----

def self_checks(tap, tmp):
    d = tmp / "self"
    gen(d, MODELS[0][1])
    m = R.Model(d)
    clean, corr = (R.encode_ascii(t, d) for t in MICHELLE[:2])
    a_clean, a_corr = R.encode_ascii(MICHELLE[2], d), R.encode_ascii(MICHELLE[3], d)
    tap.ok(clean == [48736, 5437, 373, 257, 1353, 12, 1662, 354, 3710, 13, 16738]
           and a_clean == [5437] and a_corr == [4176],
           "reference tokenizer gives GPT-2's known ids for the Michelle prompt")
    a_clean, a_corr = a_clean[0], a_corr[0]
    T = len(clean)
    diff_pos = [p for p in range(T) if clean[p] != corr[p]]
    tap.ok(diff_pos == [1], "the prompts differ at position 1 only")

    res = {s: R.sweep(m, clean, corr, a_clean, a_corr, s, list(R.METRICS)) for s in R.SITES}
    d_clean = res["resid_post"]["clean"]["metrics"]["logit-diff"]
    d_corr = res["resid_post"]["corrupted"]["metrics"]["logit-diff"]
    tap.diag("d_clean %.6f d_corr %.6f" % (d_clean, d_corr))

    # Causality: before the differing token the two runs' activations are equal.
    err = max(abs(res[s]["matrices"]["logit-diff"][l][0] - d_corr)
              for s in R.SITES for l in range(m.L))
    tap.ok(err < 1e-12, "patching position 0 (before the change) changes nothing (%.1e)" % err)

    last = res["resid_post"]["matrices"]
    tap.ok(abs(last["logit-diff"][-1][-1] - d_clean) < 1e-10
           and abs(last["logit-delta"][-1][-1]) < 1e-10
           and abs(last["restored"][-1][-1] - 1) < 1e-10,
           "resid_post at the last layer and position gives the clean run's metrics")

    # resid_pre at layer 0 = embedding patching: run corrupted ids with one id swapped.
    ok = True
    for p in range(T):
        ids = list(corr)
        ids[p] = clean[p]
        z = m.forward(ids)
        ok &= abs((z[a_corr] - z[a_clean]) - res["resid_pre"]["matrices"]["logit-diff"][0][p]) < 1e-10
    tap.ok(ok, "resid_pre at layer 0 equals patching the token embedding")

    pre, post = (np.array(res[s]["matrices"]["logit-diff"]) for s in ("resid_pre", "resid_post"))
    tap.ok(np.abs(pre[1:] - post[:-1]).max() < 1e-10, "resid_pre row l+1 equals resid_post row l")

    # Causality of the whole forward: a prefix's activations equal the full run's.
    full, part = {}, {}
    m.forward(clean, capture=full)
    m.forward(clean[:5], capture=part)
    err = max(np.abs(full[s][:, :5] - part[s]).max() for s in R.SITES)
    tap.ok(err < 1e-12, "activations of a prefix equal the full run's (%.1e)" % err)
    err = np.abs(full["resid_post"] - full["resid_pre"] - full["attn_out"] - full["mlp_out"]).max()
    tap.ok(err < 1e-12, "resid_post = resid_pre + attn_out + mlp_out (%.1e)" % err)

    # The same weights under another name layout, with mask buffers, in F16 / BF16.
    z0 = m.forward(clean)
    for extra, tol in ((["--prefix", "--mask-buffers"], 0.0), (["--dtype", "F16"], 0.05),
                       (["--dtype", "BF16"], 0.5)):
        d2 = tmp / ("self" + "".join(extra))
        gen(d2, MODELS[0][1] + extra)
        err = np.abs(R.Model(d2).forward(clean) - z0).max()
        tap.ok(err <= tol, "model with %s reads to the same logits (max diff %.2e <= %g)"
               % (" ".join(extra), err, tol))

    # Head sites: before the differing token nothing changes; noising is denoising
    # with the prompts and the answers swapped (the same patched run, metric negated).
    hres = {(s, bp): R.sweep(m, clean, corr, a_clean, a_corr, s, ["logit-diff"],
                             by_position=bp) for s in R.HEAD_SITES for bp in (False, True)}
    err = max(abs(hres[(s, True)]["matrix"][l][0][h] - d_corr)
              for s in R.HEAD_SITES for l in range(m.L) for h in range(m.H))
    tap.ok(err < 1e-12, "head patches at position 0 change nothing (%.1e)" % err)
    for s in ("head_k", "resid_post"):
        noised = R.sweep(m, clean, corr, a_clean, a_corr, s, ["logit-diff", "restored"],
                         direction="noise")
        swapped = R.sweep(m, corr, clean, a_corr, a_clean, s, ["logit-diff"])
        err = np.abs(np.array(noised["matrix"]) + np.array(swapped["matrix"])).max()
        last = noised["matrices"]["restored"][-1][-1]
        tap.ok(err < 1e-10 and (s != "resid_post" or abs(last - 1) < 1e-10),
               "%s noising = denoising the swapped pair, negated (%.1e)%s"
               % (s, err, "; restored at the last layer and position %.6f" % last
                  if s == "resid_post" else ""))
    tap.ok(hres[("head_out", False)]["axes"] == ["layer", "head"]
           and np.array(hres[("head_out", True)]["matrix"]).shape == (m.L, T, m.H),
           "reference head results nest as layer x head and layer x position x head")

    # The command line gives what the module gives.
    out = run_json([sys.executable, str(HERE / "reference.py"), "--model", str(d),
                    "--clean-ids", ",".join(map(str, clean)),
                    "--corrupted-ids", ",".join(map(str, corr)),
                    "--clean-answer-id", str(a_clean), "--corrupted-answer-id", str(a_corr),
                    "--site", "attn_out", "--metric", "restored", "-k", "20"])
    tap.ok(out is not None and out["matrix"] == res["attn_out"]["matrices"]["restored"]
           and out["clean"]["topk"] == res["attn_out"]["clean"]["topk"],
           "reference.py command line matches the module")

    # gen-model.py: same arguments, same bytes; a valid safetensors layout.
    d3 = tmp / "self-again"
    gen(d3, MODELS[0][1])
    tap.ok((d / "model.safetensors").read_bytes() == (d3 / "model.safetensors").read_bytes(),
           "gen-model.py is deterministic")
    raw = (d / "model.safetensors").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    spans = sorted(v["data_offsets"] for k, v in header.items() if k != "__metadata__")
    contiguous = all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    tap.ok(n % 8 == 0 and spans[0][0] == 0 and contiguous and 8 + n + spans[-1][1] == len(raw),
           "safetensors header padded to 8, tensors contiguous to the end of the file")


# ---- the engine against the reference ----

def run_json(cmd, out_file=None):
    """Runs cmd; returns the JSON it printed (or wrote to out_file), or None."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("# %s\n# exit %d: %s" % (" ".join(cmd[:3]), p.returncode, p.stderr.strip()[:500]))
        return None
    try:
        if out_file is not None:
            return json.loads(Path(out_file).read_text(encoding="utf-8"))
        return json.loads(p.stdout)
    except (OSError, ValueError) as e:
        print("# %s: no JSON (%s)" % (" ".join(cmd[:3]), e))
        return None


def compare_topk(mine, ref):
    """(ok, max prob error, max logit error, first problem or '')."""
    ids_c, ids_r = [e["id"] for e in mine], [e["id"] for e in ref]
    if ids_c != ids_r:
        return False, float("nan"), float("nan"), "ids differ: engine %s reference %s" % (ids_c, ids_r)
    ep = max(abs(a["prob"] - b["prob"]) for a, b in zip(mine, ref))
    el = max(abs(a["logit"] - b["logit"]) for a, b in zip(mine, ref))
    ranks = [e.get("rank") for e in mine] == list(range(1, len(mine) + 1))
    return (ep <= PROB_TOL and el <= LOGIT_TOL and ranks, ep, el,
            "" if ranks else "ranks are not 1..k")


def compare_matrix(mine, ref, tol):
    """(max abs error, (cell, engine, reference) of the worst cell)."""
    try:
        a = np.array(mine, dtype=float)
    except (TypeError, ValueError):
        return float("inf"), "the matrix is not a regular array of numbers"
    b = np.array(ref, dtype=float)
    if a.shape != b.shape:
        return float("inf"), "shape %s, reference %s" % (a.shape, b.shape)
    e = np.abs(a - b)
    e[np.isnan(e)] = np.inf
    cell = np.unravel_index(np.argmax(e), e.shape)
    return float(e[cell]), (tuple(int(i) for i in cell), float(a[cell]), float(b[cell]))


def piece_text(folder, tid):
    """The text of token tid (GPT-2 byte decoding), or None if not printable ASCII."""
    vocab = json.loads((Path(folder) / "vocab.json").read_text(encoding="utf-8"))
    inv = {v: k for k, v in vocab.items()}
    dec = {c: b for b, c in R._byte_chars().items()}
    try:
        s = bytes(dec[c] for c in inv[tid]).decode("ascii")
    except (KeyError, UnicodeDecodeError):
        return None
    return s if s.isprintable() and s.strip() else None


def pick_answers(m, folder, clean, corr):
    """Two likely single-token answers: the clean run's most probable token that the
    corrupted run likes less, and the reverse, each one that round-trips as text."""
    zc, zx = m.forward(clean), m.forward(corr)

    def best(za, zb, avoid):
        top = np.argsort(-za)[:50]
        for t in sorted(top, key=lambda t: -(za[t] - zb[t])):
            s = piece_text(folder, int(t))
            if int(t) != avoid and s and R.encode_ascii(s, folder) == [int(t)]:
                return int(t), s
        raise RuntimeError("no usable answer token")
    c = best(zc, zx, -1)
    x = best(zx, zc, c[0])
    return c, x


def engine_checks(tap, tmp, cli, name, args):
    d = tmp / name
    gen(d, args)
    m = R.Model(d)
    pairs = [MICHELLE]
    ids = [R.encode_ascii(t, d) for t in CAPITAL]
    (ca, cs), (xa, xs) = pick_answers(m, d, *ids)
    pairs.append(CAPITAL + (cs, xs))

    for pi, (ct, xt, cans, xans) in enumerate(pairs):
        clean, corr = R.encode_ascii(ct, d), R.encode_ascii(xt, d)
        a_clean, a_corr = R.encode_ascii(cans, d)[0], R.encode_ascii(xans, d)[0]
        tag = "%s pair %d" % (name, pi + 1)
        ref = {s: R.sweep(m, clean, corr, a_clean, a_corr, s, list(R.METRICS), K)
               for s in R.SITES}
        den = ref["resid_post"]["corrupted"]["metrics"]["logit-diff"] \
            - ref["resid_post"]["clean"]["metrics"]["logit-diff"]
        tap.diag("%s: answers %r / %r, d_corr - d_clean = %.4f" % (tag, cans, xans, den))

        # topk on the clean prompt.
        out = run_json([cli, "topk", "--model", str(d), "-k", str(K), "--json", ct])
        if out is None:
            tap.ok(False, "%s: patchlens-cli topk gave no JSON" % tag)
        else:
            good, ep, el, why = compare_topk(out.get("topk", []), ref["resid_post"]["clean"]["topk"])
            tap.ok(good and out.get("ids") == clean,
                   "%s: topk ids/probs/logits (max prob err %.1e, logit err %.1e)%s"
                   % (tag, ep, el, (" " + why) if why else "")
                   + ("" if out.get("ids") == clean else " ids %s != %s" % (out.get("ids"), clean)))

        naive_site = R.SITES[MODELS.index((name, args)) % len(R.SITES)]
        runs = [(s, mt, False) for s in R.SITES for mt in R.METRICS]
        runs += [(naive_site, mt, True) for mt in R.METRICS]
        for site, metric, naive in runs:
            sweep_case(tap, cli, d, tag, (ct, xt, cans, xans), (clean, corr, a_clean, a_corr),
                       ref[site], site, metric, naive, den)
    head_checks(tap, cli, d, m, name, MODELS.index((name, args)))


def sweep_case(tap, cli, d, tag, texts, ids, ref, site, metric, naive, den,
               direction=None, by_position=False):
    """Runs one CLI sweep and compares it with ref; returns its matrix (or None)."""
    ct, xt, cans, xans = texts
    clean, corr, a_clean, a_corr = ids
    case = "%s %s%s %s%s%s" % (tag, site, " --by-position" if by_position else "", metric,
                               " --direction " + direction if direction else "",
                               " --naive" if naive else "")
    with tempfile.TemporaryDirectory() as t:
        out_file = Path(t) / "out.json"
        cmd = [cli, "sweep", "--model", str(d), "--clean", ct, "--corrupted", xt,
               "--clean-answer", cans, "--corrupted-answer", xans,
               "--site", site, "--metric", metric, "--json", str(out_file)]
        if naive:
            cmd.append("--naive")
        if direction:
            cmd += ["--direction", direction]
        if by_position:
            cmd.append("--by-position")
        out = run_json(cmd, out_file)
    if out is None:
        tap.ok(False, "%s: patchlens-cli sweep gave no JSON" % case)
        return None
    problems = []
    if out.get("site") != site or out.get("metric") != metric:
        problems.append("site/metric %s/%s" % (out.get("site"), out.get("metric")))
    for key in ("direction", "axes", "heads"):
        if out.get(key) != ref[key]:
            problems.append("%s %s, reference %s" % (key, out.get(key), ref[key]))
    if out["clean"]["ids"] != clean or out["corrupted"]["ids"] != corr:
        problems.append("ids %s / %s, reference tokenizer %s / %s"
                        % (out["clean"]["ids"], out["corrupted"]["ids"], clean, corr))
    if out["clean_answer"]["id"] != a_clean or out["corrupted_answer"]["id"] != a_corr:
        problems.append("answer ids %d / %d, expected %d / %d"
                        % (out["clean_answer"]["id"], out["corrupted_answer"]["id"], a_clean, a_corr))
    if out.get("layers") != len(ref["matrix"]) or out.get("positions") != len(clean):
        problems.append("layers x positions %s x %s" % (out.get("layers"), out.get("positions")))
    ep = el = 0.0
    for run in ("clean", "corrupted"):
        good, p_, l_, why = compare_topk(out[run]["topk"], ref[run]["topk"])
        ep, el = max(ep, p_), max(el, l_)
        if not good:
            problems.append("%s top-k: %s (prob err %.1e, logit err %.1e)" % (run, why or "values", p_, l_))
        want = ref[run]["metrics"][metric]
        got = out[run].get("metric")
        if not isinstance(got, (int, float)) or abs(got - want) > CELL_TOL:
            problems.append("%s-run metric %s, reference %.7g" % (run, got, want))
        got = out[run].get("answer_logits") or {}
        for which, want in ref[run]["answer_logits"].items():
            if not isinstance(got.get(which), (int, float)) or abs(got[which] - want) > LOGIT_TOL:
                problems.append("%s-run answer_logits.%s %s, reference %.7g"
                                % (run, which, got.get(which), want))
    tol = CELL_TOL / min(1.0, abs(den)) if metric == "restored" else CELL_TOL
    err, worst = compare_matrix(out["matrix"], ref["matrices"][metric], tol)
    if not err <= tol:
        problems.append("cell %s: engine %.7g, reference %.7g" % worst
                        if isinstance(worst, tuple) else worst)
    tap.ok(not problems, "%s: max cell err %.1e (tol %.0e), prob err %.1e, logit err %.1e%s"
           % (case, err, tol, ep, el, ("; " + "; ".join(problems)) if problems else ""))
    if not naive and (by_position or site in R.SITES):
        shared_cells(tap, case, out, clean, corr, direction)
    return out["matrix"]


def shared_cells(tap, case, out, clean, corr, direction):
    """Cells before the first differing token (d) are the unpatched base run's metric:
    the engine runs no patch there (test-sweep-shared.c counts that), and sweep_case
    has compared the same cells with the reference. Position is the matrix's axis 1."""
    d = next((p for p, (a, b) in enumerate(zip(clean, corr)) if a != b), len(clean))
    if d == 0:
        return
    base = out["clean" if direction == "noise" else "corrupted"]["metric"]
    cells = np.array(out["matrix"], dtype=float)[:, :d]
    err = float(np.abs(cells - base).max())
    tap.ok(err <= 1e-6 * max(1.0, abs(base)),
           "%s: the %d cells before the first differing token (%d) are the unpatched "
           "run's metric (max diff %.1e)" % (case, cells.size, d, err))


def head_checks(tap, cli, d, m, name, model_index):
    """Every head site at both granularities and in both directions, and every block
    site noising, on the Michelle pair: against the reference, and fast against --naive
    for one head site per model (cycling, so that the models cover all five)."""
    ct, xt, cans, xans = MICHELLE
    clean, corr = R.encode_ascii(ct, d), R.encode_ascii(xt, d)
    a_clean, a_corr = R.encode_ascii(cans, d)[0], R.encode_ascii(xans, d)[0]
    ids = (clean, corr, a_clean, a_corr)
    tag = "%s heads" % name
    naive_site = R.HEAD_SITES[model_index % len(R.HEAD_SITES)]
    cases = [(s, bp, dr) for s in R.HEAD_SITES for bp in (False, True) for dr in R.DIRECTIONS]
    cases += [(s, False, "noise") for s in R.SITES]
    for i, (site, bp, direction) in enumerate(cases):
        ref = R.sweep(m, clean, corr, a_clean, a_corr, site, list(R.METRICS), K, direction, bp)
        den = ref["corrupted"]["metrics"]["logit-diff"] - ref["clean"]["metrics"]["logit-diff"]
        metric = R.METRICS[(i + model_index) % len(R.METRICS)]
        fast = sweep_case(tap, cli, d, tag, MICHELLE, ids, ref, site, metric, False, den,
                          direction, bp)
        if site != naive_site:
            continue
        naive = sweep_case(tap, cli, d, tag, MICHELLE, ids, ref, site, metric, True, den,
                           direction, bp)
        if fast is not None and naive is not None:
            e = np.abs(np.array(fast, dtype=float) - np.array(naive, dtype=float)).max()
            tap.ok(e <= CELL_TOL, "%s %s%s %s --direction %s: fast = --naive (max diff %.1e)"
                   % (tag, site, " --by-position" if bp else "", metric, direction, e))


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: check-reference.py PATH/TO/patchlens-cli\n")
        return 2
    cli = argv[0]
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix="patchlens-ref-") as t:
        tmp = Path(t)
        self_checks(tap, tmp)
        for name, args in MODELS:
            engine_checks(tap, tmp, cli, name, args)
    print("1..%d" % tap.n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
