#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-lens.py: `patchlens-cli lens`, `attention` and `attribute` end to end (TAP).

    test-cli-lens.py PATH/TO/patchlens-cli

The JSON contract of issue 10 (exact keys and shapes), CSV and figure outputs, and every
error a user can make with its exit status (2 = usage, 1 = anything else) and message.
Numbers are checked against the numpy reference by check-lens.py, not here.
"""

import csv
import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

from cli_tap import ENV, TMPDIR, check, expect_error, finish, run, test  # noqa: E402

SRCDIR = Path(os.environ.get("G_TEST_SRCDIR", Path(__file__).resolve().parent))
MICHELLE = "Michelle Jones was a top-notch student. Michelle"
T = 11
L, H = 2, 2


def close(text, value):
    """A CSV number (9 significant digits) is the JSON one (a float's shortest form)."""
    return abs(float(text) - value) <= 1e-7 * max(1.0, abs(value))


def ok_json(*args):
    rc, out, err = run(*args, "--json", "-", MICHELLE)
    check(rc == 0, err)
    return json.loads(out)


MODEL = str(TMPDIR / "tiny")
subprocess.run([sys.executable, str(SRCDIR / "gen-model.py"), MODEL, "--layers", str(L),
                "--heads", str(H), "--embd", "32", "--positions", "64", "--seed", "1"],
               check=True, env=ENV, timeout=300)
LENS = ["lens", "--model", MODEL]
ATT = ["attention", "--model", MODEL, "--layer", "1", "--head", "0"]
ATTR = ["attribute", "--model", MODEL, "--answer", " Jones", "--answer", " Smith"]
LONG = " ".join(["word"] * 80)   # 80 tokens, over the model's 64


@test
def test_help_lists_the_commands():
    rc, out, _ = run("--help")
    for cmd in ("lens", "attention", "attribute"):
        check(f"  {cmd} " in out, f"{cmd} missing from --help")
    for cmd, opts in (("lens", ("--answer", "--json", "--csv", "--png", "--svg", "--pdf")),
                      ("attention", ("--layer", "--head", "--json", "--csv", "--png")),
                      ("attribute", ("--answer", "--json", "--csv", "--pdf"))):
        rc, out, _ = run("help", cmd)
        check(rc == 0 and all(o in out for o in opts), out)


@test
def test_lens_json_contract():
    doc = ok_json(*LENS, "--answer", " Jones", "--answer", " Smith")
    check(set(doc) == {"model", "text", "ids", "pieces", "layers", "positions", "top",
                       "answers"}, doc.keys())
    check(doc["layers"] == L + 1 and doc["positions"] == T, (doc["layers"], doc["positions"]))
    check(len(doc["top"]) == L + 1 and all(len(r) == T for r in doc["top"]), "top shape")
    for row in doc["top"]:
        for c in row:
            check(set(c) == {"id", "token", "prob"} and 0 < c["prob"] <= 1, c)
    check([(a["token"], a["id"]) for a in doc["answers"]] == [(" Jones", 5437), (" Smith", 4176)],
          doc["answers"])
    for a in doc["answers"]:
        check(set(a) == {"token", "id", "logit", "prob"}, a.keys())
        for k in ("logit", "prob"):
            check(len(a[k]) == L + 1 and all(len(r) == T for r in a[k]), f"{k} shape")
    check(ok_json(*LENS)["answers"] == [], "answers without --answer")


@test
def test_attention_json_contract():
    doc = ok_json(*ATT)
    check(set(doc) == {"model", "text", "layer", "head", "ids", "pieces", "pattern"}, doc.keys())
    check(doc["layer"] == 1 and doc["head"] == 0 and len(doc["pieces"]) == T, doc)
    p = doc["pattern"]
    check(len(p) == T and all(len(r) == T for r in p), "pattern shape")
    check(all(p[d][s] == 0 for d in range(T) for s in range(d + 1, T)), "not zero above")
    check(all(abs(sum(r) - 1) < 1e-5 for r in p), "rows do not sum to 1")


@test
def test_attribute_json_contract():
    doc = ok_json(*ATTR)
    check(set(doc) == {"model", "text", "ids", "pieces", "answers", "logit_diff", "embed",
                       "heads", "attn_bias", "mlp", "ln_f_bias"}, doc.keys())
    check(doc["answers"] == [{"token": " Jones", "id": 5437}, {"token": " Smith", "id": 4176}],
          doc["answers"])
    check(len(doc["heads"]) == L and all(len(r) == H for r in doc["heads"]), "heads shape")
    check(len(doc["attn_bias"]) == L and len(doc["mlp"]) == L, "per-layer lengths")


@test
def test_csv_and_figures():
    for args, n_rows in ((LENS + ["--answer", " Jones"], (L + 1) * T), (ATT, T * T),
                         (ATTR, 1 + L * (H + 2) + 1)):
        d = TMPDIR / args[0]
        d.mkdir()
        rc, _, err = run(*args, "--csv", str(d / "o.csv"), "--png", str(d / "o.png"),
                         "--svg", str(d / "o.svg"), "--pdf", str(d / "o.pdf"),
                         "--json", str(d / "o.json"), "--scale", "2", MICHELLE)
        check(rc == 0, err)
        lines = (d / "o.csv").read_text(encoding="utf-8").splitlines()
        check(len(lines) == 1 + n_rows, f"{args[0]}: {len(lines)} CSV lines")
        check((d / "o.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "PNG")
        check(b"<svg" in (d / "o.svg").read_bytes()[:400], "SVG")
        check((d / "o.pdf").read_bytes()[:5] == b"%PDF-", "PDF")
        doc = json.loads((d / "o.json").read_text(encoding="utf-8"))
        rows = list(csv.DictReader(io.StringIO((d / "o.csv").read_text(encoding="utf-8"))))
        if args[0] == "lens":
            for r in rows:
                b, t = int(r["layer"]), int(r["position"])
                check(r["token"] == doc["pieces"][t] and int(r["top_id"]) == doc["top"][b][t]["id"]
                      and close(r["top_prob"], doc["top"][b][t]["prob"])
                      and close(r["prob( Jones)"], doc["answers"][0]["prob"][b][t]), r)
        elif args[0] == "attention":
            for r in rows:
                dst, src = int(r["destination"]), int(r["source"])
                check(r["source_token"] == doc["pieces"][src]
                      and close(r["prob"], doc["pattern"][dst][src]), r)
        else:
            got = {(r["component"], r["layer"], r["head"]): float(r["value"]) for r in rows}
            check(close(got[("embed", "", "")], doc["embed"])
                  and close(got[("head", "1", "0")], doc["heads"][1][0])
                  and close(got[("mlp", "0", "")], doc["mlp"][0])
                  and close(got[("ln_f_bias", "", "")], doc["ln_f_bias"]), got)


@test
def test_text_outputs():
    for args, needle in ((LENS + ["--answer", " Jones"], "Logit lens"),
                         (ATT, "layer 1, head 0"), (ATTR, "logit difference")):
        rc, out, err = run(*args, MICHELLE)
        check(rc == 0 and needle in out, err + out)


@test
def test_usage_errors():
    for cmd in (LENS, ATT, ATTR):
        expect_error([cmd[0], MICHELLE], 2, "--model")
        expect_error(cmd, 2, "TEXT")
        expect_error(cmd + ["--png", "-", MICHELLE], 2, "--png")
        expect_error(cmd + ["--json", "-", "--csv", "-", MICHELLE], 2, "stdout")
        expect_error(cmd + ["--scale", "0", MICHELLE], 2, "--scale")
        expect_error(cmd + [MICHELLE, "extra"], 2, "one TEXT")
    expect_error(["attention", "--model", MODEL, "--layer", "0", MICHELLE], 2, "--head")
    expect_error(["attention", "--model", MODEL, "--head", "0", MICHELLE], 2, "--layer")
    expect_error(["attribute", "--model", MODEL, "--answer", " Jones", MICHELLE], 2,
                 "exactly twice")
    expect_error(ATTR + ["--answer", " a", MICHELLE], 2, "exactly twice")


@test
def test_outputs_are_checked_before_the_model_runs():
    # The same checks as the sweep's (cli-output.c): nothing is computed or written
    # when one output is wrong.
    d = TMPDIR / "outputs-checked"
    d.mkdir()
    for cmd in (LENS, ATT, ATTR):
        expect_error(cmd + ["--png", str(d / "fig.pdf"), MICHELLE], 2, "--pdf", ".png")
        expect_error(cmd + ["--json", str(d / "same"), "--csv", str(d / "same"), MICHELLE],
                     1, "both name")
        expect_error(cmd + ["--json", str(d / "a.json"), "--svg", str(d / "no" / "b.svg"),
                            MICHELLE], 1, "does not exist")
        expect_error(cmd + ["--scale", "0.05", "--png", str(d / "c.png"), MICHELLE], 2,
                     "--scale")
        check(not any(d.iterdir()), sorted(p.name for p in d.iterdir()))


@test
def test_answers_must_be_single_tokens():
    expect_error(LENS + ["--answer", " top-notch", MICHELLE], 1, "answer 1", "4 tokens", "not 1")
    expect_error(LENS + ["--answer", "", MICHELLE], 1, "empty")
    expect_error(["attribute", "--model", MODEL, "--answer", " Jones", "--answer",
                  " Smithsonian institute", MICHELLE], 1, "answer B", "tokens")
    expect_error(["attribute", "--model", MODEL, "--answer", " Jones", "--answer",
                  " Jones", MICHELLE], 1, "same token")


@test
def test_bad_texts_and_indices():
    for cmd in (LENS, ATT, ATTR):
        expect_error(cmd + [LONG], 1, "80 tokens", "64")
        expect_error(cmd + [""], 1, "empty")
    expect_error(["attention", "--model", MODEL, "--layer", str(L), "--head", "0", MICHELLE],
                 1, f"no layer {L}", f"0 to {L - 1}")
    expect_error(["attention", "--model", MODEL, "--layer", "-1", "--head", "0", MICHELLE],
                 1, "no layer -1")
    expect_error(["attention", "--model", MODEL, "--layer", "0", "--head", str(H), MICHELLE],
                 1, f"no head {H}", f"0 to {H - 1}")
    expect_error(LENS + ["--model", str(TMPDIR / "nowhere"), MICHELLE], 1)


@test
def test_broken_weights_are_an_error_not_nan():
    broken = TMPDIR / "broken"
    broken.mkdir()
    for f in Path(MODEL).iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    raw = bytearray((broken / "model.safetensors").read_bytes())
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    # Finite weights (a loader may refuse NaN ones) whose sum overflows: the stream
    # after block 1 is infinite.
    for layer in (0, 1):
        name = next(k for k in header if k.endswith("h.%d.mlp.c_proj.bias" % layer))
        begin, end = header[name]["data_offsets"]
        raw[8 + n + begin:8 + n + end] = struct.pack("<f", 3e38) * ((end - begin) // 4)
    (broken / "model.safetensors").write_bytes(bytes(raw))
    for cmd in (LENS, ATTR, ["attention", "--layer", "1", "--head", "0"]):
        expect_error([cmd[0], "--model", str(broken)] + cmd[3 if cmd[0] != "attention" else 1:]
                     + ["--json", "-", MICHELLE], 1, "not a finite number", "after block 1")


@test
def test_unwritable_outputs_stop_before_the_model():
    expect_error(LENS + ["--png", str(TMPDIR / "no" / "x.png"), MICHELLE], 1,
                 "does not exist", "nothing was run")
    # One bad output stops all of them: no half set of files for a report.
    out = TMPDIR / "partial.json"
    expect_error(ATTR + ["--json", str(out), "--pdf", str(TMPDIR / "no" / "x.pdf"), MICHELLE],
                 1, "--pdf", "nothing was run")
    check(not out.exists(), "the JSON was written although the PDF could not be")


finish()
