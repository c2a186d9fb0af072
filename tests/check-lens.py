#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-lens.py: the logit lens, attention patterns and direct logit attribution of the
C engine against the independent numpy reference (TAP).

    check-lens.py PATH/TO/patchlens-cli

On generated models (F32 and F16, with and without the "transformer." prefix), runs
`patchlens-cli lens`, `attention` (every layer and head) and `attribute` and compares
with reference.py: lens cells (top ids, probabilities, answer logits and
probabilities), attention patterns and attribution components within 1e-4; the
components plus ln_f's bias equal the model's logit difference within 1e-4; the lens at
b = L equals the model's own output (`topk`, bitwise, and the reference within 1e-4).
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
    ("l3-h4-c48", ["--layers", "3", "--heads", "4", "--embd", "48", "--seed", "11"]),
    ("l3-h4-c48-prefix", ["--layers", "3", "--heads", "4", "--embd", "48", "--seed", "11",
                          "--prefix", "--mask-buffers"]),
    ("l2-h2-c32-f16", ["--layers", "2", "--heads", "2", "--embd", "32", "--seed", "12",
                       "--dtype", "F16"]),
    ("l2-h2-c32-f16-prefix", ["--layers", "2", "--heads", "2", "--embd", "32", "--seed",
                              "12", "--dtype", "F16", "--prefix"]),
]

PROMPTS = [
    ("Michelle Jones was a top-notch student. Michelle", " Jones", " Smith"),
    ("When Mary and John went to the store, John gave a drink to", " Mary", " John"),
    ("Hello", " world", " there"),   # one token: the edge of every loop
]


class Tap:
    def __init__(self):
        self.n = 0

    def ok(self, cond, msg):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, msg), flush=True)
        return cond


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("# %s\n# exit %d: %s" % (" ".join(cmd[:4]), p.returncode, p.stderr.strip()[:500]))
        return None
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        print("# %s: no JSON (%s)" % (" ".join(cmd[:4]), e))
        return None


def max_err(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a - b).max()) if a.size else 0.0


def check_lens(tap, cli, d, m, tag, text, ids, answers, a_ids):
    out = run_json([cli, "lens", "--model", str(d), "--answer", answers[0],
                    "--answer", answers[1], "--json", "-", text])
    if not tap.ok(out is not None, "%s: lens gives JSON" % tag):
        return
    ref = R.lens(m, ids, a_ids)
    L1, T = m.L + 1, len(ids)
    problems = []
    if out.get("layers") != L1 or out.get("positions") != T or out.get("ids") != ids:
        problems.append("layers %s positions %s ids %s" % (out.get("layers"), out.get("positions"), out.get("ids")))
    top = out.get("top", [])
    if len(top) != L1 or any(len(r) != T for r in top):
        problems.append("top is not %d x %d" % (L1, T))
    else:
        full = R.lens(m, ids, [c["id"] for r in top for c in r])   # engine's ids, reference probs
        got_id = np.array([[c["id"] for c in r] for r in top])
        got_p = np.array([[c["prob"] for c in r] for r in top])
        mine_ref_p = np.diagonal(full["prob"].reshape(L1 * T, L1 * T)).reshape(L1, T)
        # A different top id is only acceptable as a tie within rounding.
        bad = (got_id != ref["top_id"]) & (np.abs(mine_ref_p - ref["top_prob"]) > 1e-6)
        if bad.any():
            problems.append("top ids differ at %d cells" % int(bad.sum()))
        if not max_err(got_p, ref["top_prob"]) <= TOL:
            problems.append("top prob err %.1e" % max_err(got_p, ref["top_prob"]))
        if any(not isinstance(c.get("token"), str) for r in top for c in r):
            problems.append("a top entry without its token")
    errs = []
    for a, ans in enumerate(out.get("answers", [])):
        if ans.get("token") != answers[a] or ans.get("id") != a_ids[a]:
            problems.append("answer %d is %r/%s" % (a, ans.get("token"), ans.get("id")))
        errs += [max_err(ans.get("logit"), ref["logit"][a]), max_err(ans.get("prob"), ref["prob"][a])]
    if len(out.get("answers", [])) != 2:
        problems.append("%d answers" % len(out.get("answers", [])))
    if not (errs and max(errs) <= TOL):
        problems.append("answer logit/prob err %s" % ", ".join("%.1e" % e for e in errs))
    tap.ok(not problems, "%s: lens cells within %g of the reference (answer err %.1e)%s"
           % (tag, TOL, max(errs) if errs else float("nan"), "; " + "; ".join(problems) if problems else ""))

    # b = L is the model's output: bitwise the engine's own top-1, and the reference's.
    top1 = run_json([cli, "topk", "--model", str(d), "-k", "1", "--json", text])
    z = m.forward(ids)
    last = top[-1][-1] if len(top) == L1 and len(top[-1]) == T else {}
    same = top1 is not None and top1["topk"][0]["id"] == last.get("id") \
        and top1["topk"][0]["prob"] == last.get("prob")
    ref_err = max(abs(out["answers"][a]["logit"][-1][-1] - z[a_ids[a]]) for a in range(2)) \
        if len(out.get("answers", [])) == 2 else float("inf")
    tap.ok(same and ref_err <= TOL,
           "%s: lens at b = L equals the model's output (topk %s, reference logit err %.1e)"
           % (tag, "identical" if same else "DIFFERS %s vs %s" % (top1 and top1["topk"][0], last), ref_err))


def check_attention(tap, cli, d, m, tag, text, ids):
    worst, problems, T = 0.0, [], len(ids)
    for l in range(m.L):
        for h in range(m.H):
            out = run_json([cli, "attention", "--model", str(d), "--layer", str(l),
                            "--head", str(h), "--json", "-", text])
            if out is None:
                problems.append("layer %d head %d: no JSON" % (l, h))
                continue
            p = np.array(out.get("pattern"), dtype=float)
            if out.get("layer") != l or out.get("head") != h or out.get("pieces") is None \
                    or len(out["pieces"]) != T:
                problems.append("layer %d head %d: layer/head/pieces %s/%s/%s"
                                % (l, h, out.get("layer"), out.get("head"), out.get("pieces")))
            if p.shape != (T, T):
                problems.append("layer %d head %d: shape %s" % (l, h, p.shape))
                continue
            if np.triu(p, k=1).any() or np.abs(p.sum(axis=1) - 1).max() > 1e-5:
                problems.append("layer %d head %d: not causal rows summing to 1" % (l, h))
            worst = max(worst, max_err(p, R.attention_pattern(m, ids, l, h)))
    if worst > TOL:
        problems.append("pattern err %.1e" % worst)
    tap.ok(not problems, "%s: attention patterns of all %d heads within %g (max err %.1e)%s"
           % (tag, m.L * m.H, TOL, worst, "; " + "; ".join(problems) if problems else ""))


def check_attribution(tap, cli, d, m, tag, text, ids, answers, a_ids):
    out = run_json([cli, "attribute", "--model", str(d), "--answer", answers[0],
                    "--answer", answers[1], "--json", "-", text])
    if not tap.ok(out is not None, "%s: attribute gives JSON" % tag):
        return
    ref = R.attribution(m, ids, a_ids[0], a_ids[1])
    problems = []
    if [(a.get("token"), a.get("id")) for a in out.get("answers", [])] != list(zip(answers, a_ids)):
        problems.append("answers %s" % out.get("answers"))
    errs = {k: max_err(out.get(k), ref[k])
            for k in ("logit_diff", "embed", "heads", "attn_bias", "mlp", "ln_f_bias")}
    for k, e in errs.items():
        if not e <= TOL:
            problems.append("%s err %.1e" % (k, e))
    if np.asarray(out.get("heads")).shape != (m.L, m.H):
        problems.append("heads is not %d x %d" % (m.L, m.H))
    tap.ok(not problems, "%s: attribution components within %g (max err %.1e)%s"
           % (tag, TOL, max(errs.values()), "; " + "; ".join(problems) if problems else ""))
    total = out["embed"] + np.sum(out["heads"]) + np.sum(out["attn_bias"]) \
        + np.sum(out["mlp"]) + out["ln_f_bias"]
    ref_total = ref["embed"] + ref["heads"].sum() + sum(ref["attn_bias"]) + sum(ref["mlp"]) \
        + ref["ln_f_bias"]
    tap.ok(abs(total - out["logit_diff"]) <= TOL and abs(ref_total - ref["logit_diff"]) < 1e-9,
           "%s: components + ln_f bias = the model's logit difference (%.7g vs %.7g, err %.1e)"
           % (tag, total, out["logit_diff"], abs(total - out["logit_diff"])))


def self_checks(tap, d, m):
    """The reference's lens, patterns and heads, by routes that share none of its code."""
    ids = R.encode_ascii(PROMPTS[1][0], d)
    lz = R.lens(m, ids, [5, 7])
    z = m.forward(ids)
    lp = R.log_softmax(z)
    tap.ok(abs(lz["logit"][0, -1, -1] - z[5]) < 1e-9 and abs(lz["prob"][1, -1, -1] - np.exp(lp[7])) < 1e-12
           and lz["top_id"][-1, -1] == int(np.argmax(z)),
           "reference: the lens at b = L is the forward's output")
    ref = R.attribution(m, ids, 5, 7)
    bias = np.array([m.p("h.%d.attn.c_proj.bias" % l) for l in range(m.L)])
    err = np.abs(ref["head_out"].sum(axis=1) + bias - ref["attn_out"]).max()
    tap.ok(err < 1e-10, "reference: the heads' outputs plus c_proj's bias are attn_out (%.1e)" % err)
    p = R.attention_pattern(m, ids, 0, 0)
    tap.ok(np.allclose(p.sum(axis=1), 1) and not np.triu(p, k=1).any(),
           "reference: attention rows are causal and sum to 1")


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: check-lens.py PATH/TO/patchlens-cli\n")
        return 2
    cli, tap = argv[0], Tap()
    with tempfile.TemporaryDirectory(prefix="patchlens-lens-") as t:
        for i, (name, args) in enumerate(MODELS):
            d = Path(t) / name
            subprocess.run([sys.executable, str(HERE / "gen-model.py"), str(d)] + args, check=True)
            m = R.Model(d)
            if i == 0:
                self_checks(tap, d, m)
            for text, a, b in PROMPTS:
                ids = R.encode_ascii(text, d)
                a_ids = [R.encode_ascii(a, d)[0], R.encode_ascii(b, d)[0]]
                tag = "%s %r" % (name, text[:20])
                check_lens(tap, cli, d, m, tag, text, ids, (a, b), a_ids)
                check_attention(tap, cli, d, m, tag, text, ids)
                check_attribution(tap, cli, d, m, tag, text, ids, (a, b), a_ids)
    print("1..%d" % tap.n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
