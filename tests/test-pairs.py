#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-pairs.py: sets of prompt pairs from the command line (TAP output).

    test-pairs.py PATH/TO/patchlens-cli

Every error a bad set can hold (each naming its line), the 10,000-pair limit and the
memory a 10,000-pair set costs, `patchlens-cli pairs` (templates, refused fillers,
deterministic sampling), the shipped sets (regenerated, and every pair re-tokenized by the
independent reference tokenizer), and the set's outputs (JSON keys, CSV columns, the
figure's title, Ctrl+C). Numbers are checked against numpy in check-pairs.py.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

SRCDIR = Path(os.environ.get("G_TEST_SRCDIR", Path(__file__).resolve().parent))
DATADIR = Path(os.environ.get("PATCHLENS_DATA_DIR", SRCDIR.parent / "data"))
sys.path.insert(0, str(SRCDIR))
import reference as R  # noqa: E402

from cli_tap import CLI, ENV, TMPDIR, check, finish, run, test  # noqa: E402

SANITIZED = "ASAN_OPTIONS" in os.environ or "UBSAN_OPTIONS" in os.environ


def expect_error(args, status, *needles):
    rc, out, err = run(*args)
    check(rc == status, f"exit status {rc}, expected {status}; stderr: {err!r}")
    check(err.startswith("patchlens-cli: "), f"no prefix: {err!r}")
    for n in needles:
        check(n in err, f"{n!r} not in stderr: {err!r}")
    return err


def gen(name, *args):
    out = TMPDIR / name
    subprocess.run([sys.executable, str(SRCDIR / "gen-model.py"), str(out), *args],
                   check=True, env=ENV, timeout=300)
    return str(out)


MODEL = gen("tiny", "--layers", "2", "--heads", "2", "--embd", "32", "--positions", "64",
            "--seed", "1")
PAIR = {"clean": "When Mary and John went to the store, John gave a drink to",
        "corrupted": "When John and Mary went to the store, Mary gave a drink to",
        "clean_answer": " Mary", "corrupted_answer": " John"}
PAIR2 = {"clean": "When Anna and Paul went to the park, Paul gave a book to",
         "corrupted": "When Paul and Anna went to the park, Anna gave a book to",
         "clean_answer": " Anna", "corrupted_answer": " Paul"}


def write_set(name, lines):
    """lines: dicts (written as JSON) or raw strings."""
    path = TMPDIR / name
    path.write_text("".join((json.dumps(x) if isinstance(x, dict) else x) + "\n"
                            for x in lines), encoding="utf-8")
    return str(path)


def sweep_set(path, *extra):
    return ["sweep", "--model", MODEL, "--pairs", path, *extra]


# ---- bad sets ----


@test
def test_empty_and_blank_files():
    path = TMPDIR / "empty.jsonl"
    path.write_bytes(b"")
    expect_error(sweep_set(str(path)), 1, "empty.jsonl", "is empty")
    path.write_bytes(b"\n  \n\n")
    expect_error(sweep_set(str(path)), 1, "no pairs")
    expect_error(sweep_set(str(TMPDIR / "missing.jsonl")), 1, "missing.jsonl")
    expect_error(sweep_set(str(TMPDIR)), 1, "folder")


@test
def test_line_not_json():
    path = write_set("notjson.jsonl", [PAIR, "{\"clean\": \"a\", ", PAIR])
    expect_error(sweep_set(path), 1, "notjson.jsonl: line 2 is not JSON")
    path = write_set("array.jsonl", [PAIR, PAIR, "[1, 2]"])
    expect_error(sweep_set(path), 1, "line 3 is an array, not an object")


@test
def test_missing_and_unknown_keys():
    for key in ("clean", "corrupted", "clean_answer", "corrupted_answer"):
        bad = {k: v for k, v in PAIR.items() if k != key}
        path = write_set("missing.jsonl", [PAIR, bad])
        expect_error(sweep_set(path), 1, f'line 2 has no "{key}"')
    path = write_set("unknown.jsonl", [dict(PAIR, clena="x")])
    expect_error(sweep_set(path), 1, 'line 1 has an unknown key "clena"')


@test
def test_wrong_types():
    for key, value, kind in (("clean", 3, "a number"), ("corrupted_answer", None, "null"),
                             ("name", ["x"], "an array"), ("clean_answer", True, "a boolean")):
        path = write_set("types.jsonl", [PAIR, PAIR, dict(PAIR, **{key: value})])
        expect_error(sweep_set(path), 1, f'line 3: "{key}" must be a string, not {kind}')


@test
def test_unequal_counts_inside_a_pair():
    bad = dict(PAIR, corrupted="When John and Mary went to the big store, Mary gave a drink to")
    path = write_set("inside.jsonl", [PAIR, bad])
    err = expect_error(sweep_set(path), 1, "line 2:", "same number of tokens")
    # both segmentations
    check("When| Mary| and| John" in err and "When| John| and| Mary| went| to| the| big" in err,
          err)


@test
def test_unequal_counts_across_pairs():
    longer = {"clean": "When Mary and John went to the old store, John gave a drink to",
              "corrupted": "When John and Mary went to the old store, Mary gave a drink to",
              "clean_answer": " Mary", "corrupted_answer": " John"}
    path = write_set("across.jsonl", [PAIR, "", PAIR2, longer])
    err = expect_error(sweep_set(path), 1, "line 4: the pair has 15 tokens, but the set's "
                       "pairs have 14 (line 1)")
    check("line 4 clean (15):" in err and "line 4 corrupted (15):" in err
          and "line 1 clean (14):" in err and "line 1 corrupted (14):" in err
          and " old" in err, err)


@test
def test_multi_token_answers():
    path = write_set("answer.jsonl", [PAIR, dict(PAIR, clean_answer="drink")])
    expect_error(sweep_set(path), 1, "line 2: The clean answer \"drink\" is 2 tokens",
                 "leading space")
    path = write_set("answer2.jsonl", [dict(PAIR, corrupted_answer=" Johnathan Smith")])
    expect_error(sweep_set(path), 1, "line 1: The corrupted answer", "tokens")


@test
def test_text_over_the_context():
    short = gen("short-ctx", "--layers", "1", "--heads", "2", "--embd", "32",
                "--positions", "8", "--seed", "2")
    path = write_set("long.jsonl", [PAIR])
    rc, _, err = run("sweep", "--model", short, "--pairs", path)
    check(rc == 1 and "line 1:" in err and "14 tokens" in err and "at most 8" in err, err)


@test
def test_pairs_and_clean_are_exclusive():
    path = write_set("one.jsonl", [PAIR])
    expect_error(sweep_set(path, "--clean", "x"), 2, "--pairs", "--clean")
    expect_error(sweep_set(path, "--corrupted-answer", " x"), 2, "--corrupted-answer")
    expect_error(["sweep", "--model", MODEL, "--pairs", "no-such-set"], 1, "no-such-set",
                 "ioi", "names")


@test
def test_more_than_10000_pairs_refused():
    path = write_set("huge.jsonl", [PAIR] * 10001)
    expect_error(sweep_set(path), 1, "line 10001: the set has more than 10000 pairs")


@test
def test_10000_pairs_within_memory():
    # Peak memory of the whole process against 1.3 x the weights file + 100 MB.
    model = gen("tiny1", "--layers", "1", "--heads", "2", "--embd", "32", "--positions",
                "16", "--seed", "3")
    names = ["Mary", "John", "Anna", "Paul", "Kate", "Mark", "Lisa", "James", "Sarah", "David"]
    lines = []
    for i in range(10000):
        a, b = names[i % 10], names[(i // 10 + 1 + i % 10) % 10]
        lines.append({"clean": f"Then {a} met {b}", "corrupted": f"Then {b} met {a}",
                      "clean_answer": " " + a, "corrupted_answer": " " + b})
    path = write_set("big.jsonl", lines)
    out = TMPDIR / "big.json"
    t0 = time.time()
    proc = subprocess.Popen([CLI, "sweep", "--model", model, "--pairs", path, "--threads",
                             "1", "--json", str(out)], env=ENV, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    check(os.waitstatus_to_exitcode(status) == 0, err)
    doc = json.loads(out.read_text(encoding="utf-8"))
    check(doc["pairs"] == 10000 and len(doc["per_pair"]) == 10000, "not 10000 pairs")
    check(doc["per_pair"][9999]["clean"] == lines[9999]["clean"], "order")
    weights = (Path(model) / "model.safetensors").stat().st_size
    peak = usage.ru_maxrss * 1024
    budget = 1.3 * weights + 100e6
    print(f"# 10000 pairs in {time.time() - t0:.1f} s, peak RSS {peak / 1e6:.1f} MB, "
          f"budget {budget / 1e6:.1f} MB", flush=True)
    if SANITIZED:
        print("# (the sanitizers' shadow memory is not the program's: memory not compared)")
    else:
        check(peak <= budget, f"peak RSS {peak} > {budget}")


# ---- outputs ----


@test
def test_set_outputs():
    path = write_set("two.jsonl", [PAIR, {"name": "second", **PAIR2}])
    js, csv, pdf, png, svg = (TMPDIR / f"o.{e}" for e in ("json", "csv", "pdf", "png", "svg"))
    rc, _, err = run(*sweep_set(path, "--json", str(js), "--csv", str(csv), "--pdf", str(pdf),
                                "--png", str(png), "--svg", str(svg)))
    check(rc == 0, err)
    doc = json.loads(js.read_text(encoding="utf-8"))
    check(doc["pairs"] == 2 and doc["layers"] == 2 and doc["positions"] == 14, doc.keys())
    check(len(doc["matrix"]) == 2 and len(doc["std"]) == 2 and len(doc["std"][0]) == 14,
          "std nesting")
    for p, want in zip(doc["per_pair"], (PAIR, PAIR2)):
        check(set(p) == {"clean", "corrupted", "clean_answer_id", "corrupted_answer_id",
                         "matrix"}, p.keys())
        check(p["clean"] == want["clean"] and p["corrupted"] == want["corrupted"], p)
    check(doc["per_pair"][0]["clean_answer_id"] == 5335, doc["per_pair"][0])
    for key in ("clean", "corrupted", "clean_answer", "corrupted_answer"):
        check(key not in doc, f"pair-specific {key} at the top level")
    rows = csv.read_bytes().decode("utf-8").split("\r\n")
    check(rows[0] == "layer,position,token,mean,std" and len(rows) == 2 * 14 + 2, rows[:2])
    check(png.read_bytes()[:4] == b"\x89PNG" and b"<svg" in svg.read_bytes(), "figures")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    check("mean of 2 pairs" in text, text)
    rc, out, err = run(*sweep_set(path))
    check(rc == 0 and "Mean of logit-diff" in out and "standard deviation" in out, out + err)


@test
def test_set_outputs_checked_before_the_sweep():
    # The same rules as a single pair's, before any cell is computed.
    path = write_set("checked.jsonl", [PAIR, PAIR2])
    out = TMPDIR / "checked"
    out.mkdir()
    expect_error(sweep_set(path, "--json", str(out / "same"), "--csv", str(out / "same")), 1,
                 "both name")
    expect_error(sweep_set(path, "--svg", str(out / "fig.png")), 2, "--png")
    # 150 tokens at --scale 16: wider than the 32767 pixels a PNG can be drawn at.
    wide = gen("wide", "--layers", "2", "--heads", "2", "--embd", "32", "--positions",
               "256", "--seed", "1")
    long_pair = {"clean": " Mary" * 148 + " and John", "corrupted": " Mary" * 148 + " and Paul",
                 "clean_answer": " Mary", "corrupted_answer": " John"}
    long_set = write_set("long.jsonl", [long_pair, long_pair])
    expect_error(["sweep", "--model", wide, "--pairs", long_set, "--png", str(out / "big.png"),
                  "--scale", "16"], 1, "pixels", "Nothing was run")
    check(not any(out.iterdir()), sorted(p.name for p in out.iterdir()))


@test
def test_restored_undefined_names_the_pair():
    same = dict(PAIR, corrupted=PAIR["clean"])
    path = write_set("same.jsonl", [PAIR, same])
    expect_error(sweep_set(path, "--metric", "restored"), 1, "pair 2 (line 2)")


@test
def test_ctrl_c_cancels_a_set():
    slow = gen("slow", "--layers", "6", "--heads", "4", "--embd", "256", "--positions", "64",
               "--seed", "4")
    path = write_set("many.jsonl", [PAIR, PAIR2] * 200)
    out = TMPDIR / "cancel.json"
    p = subprocess.Popen([CLI, "sweep", "--model", slow, "--pairs", path, "--json", str(out)],
                         env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    err = err.decode()
    check(p.returncode == 1 and "cancelled" in err, f"status {p.returncode}: {err}")
    check(not out.exists(), "a cancelled set wrote its JSON")


# ---- pairs ----

IOI = ["pairs", "--template", "When {A} and {B} went to the {place}, {B} gave a {thing} to",
       "--slot", "A=Mary,John,Anna", "--slot", "B=Mary,John,Anna", "--slot",
       "place=store,park", "--slot", "thing=drink,book", "--corrupt", "A=B", "--answers",
       "A,A"]


@test
def test_pairs_template():
    rc, out, err = run(*IOI)
    check(rc == 0, err)
    lines = [json.loads(x) for x in out.splitlines()]
    # 3 x 3 names minus the 3 equal ones, x 2 places x 2 things
    check(len(lines) == 6 * 4, len(lines))
    first = lines[0]
    check(first == {"name": "A=Mary B=John place=store thing=drink",
                    "clean": "When Mary and John went to the store, John gave a drink to",
                    "corrupted": "When John and Mary went to the store, Mary gave a drink to",
                    "clean_answer": " Mary", "corrupted_answer": " John"}, first)
    rc, out2, err = run(*IOI, "--limit", "500")
    check(rc == 0 and out2 == out and "only 24 pairs" in err, err)
    rc, out2, _ = run(*IOI, "--limit", "5", "--seed", "7")
    rc3, out3, _ = run(*IOI, "--limit", "5", "--seed", "7")
    rc4, out4, _ = run(*IOI, "--limit", "5", "--seed", "8")
    check(rc == rc3 == rc4 == 0 and out2 == out3 and out2 != out4, "seeded sampling")
    check(len(out2.splitlines()) == 5 and all(x in out.splitlines() for x in out2.splitlines()),
          "a sample is a subset")
    rc, out, _ = run("pairs", "--template", "{F} {L} was a top-notch student. {F}",
                     "--slot", "F=Michelle", "--slot", "L=Jones,Brown", "--corrupt",
                     "L=Smith", "--answers", "L,L")
    lines = [json.loads(x) for x in out.splitlines()]
    check(rc == 0 and [x["corrupted"] for x in lines]
          == ["Michelle Smith was a top-notch student. Michelle"] * 2
          and lines[1]["clean_answer"] == " Brown", lines)
    # the output is a set sweep --pairs reads
    path = TMPDIR / "made.jsonl"
    path.write_text(out, encoding="utf-8")
    rc, _, err = run(*sweep_set(str(path), "--json", str(TMPDIR / "made.json")))
    check(rc == 0, err)


@test
def test_pairs_refused_fillers():
    err = expect_error(IOI[:4] + ["A=Mary,Johnathan", *IOI[5:]], 1,
                       "“Johnathan” of slot A", "with its leading space", " John|athan")
    expect_error(["pairs", "--template", "{F} and", "--slot", "F=Xavierina",
                  "--corrupt", "F=Ann", "--answers", "F,F"], 1, "Xavierina",
                 "without a leading space")
    expect_error(IOI[:-4] + ["--corrupt", "A=Zebrafishy", "--answers", "A,A"], 1,
                 "corrupted value “Zebrafishy”")
    del err


@test
def test_pairs_usage_errors():
    expect_error(IOI[:-2], 2, "--answers")
    expect_error(["pairs", "--slot", "A=x"], 2, "--template")
    expect_error(IOI + ["--slot", "oops"], 2, "NAME=value")
    expect_error(IOI[:-2] + ["--answers", "A"], 2, "CLEAN_SLOT,CORRUPTED_SLOT")
    expect_error(IOI + ["--limit", "-3"], 2, "--limit")
    expect_error(IOI + ["--seed", "-1"], 2, "--seed")
    expect_error(IOI[:-4] + ["--corrupt", "Q=A", "--answers", "A,A"], 1, "“Q”")
    expect_error(IOI + ["--slot", "unused=x"], 1, "unused")
    expect_error(["pairs", "--template", "When {A went", "--slot", "A=x", "--corrupt",
                  "A=y", "--answers", "A,A"], 1, "character 6")
    expect_error(["pairs", "--template", "no slots", "--slot", "A=x", "--corrupt",
                  "A=y", "--answers", "A,A"], 1, "no slots")
    expect_error(["pairs", "--template", "x {A}", "--slot", "A=Mary", "--corrupt",
                  "A=Mary", "--answers", "A,A"], 1, "no pairs")
    rc, out, _ = run("help", "pairs")
    check(rc == 0 and "--template" in out and "--corrupt" in out and "--seed" in out, out)


# ---- the shipped sets ----


@test
def test_shipped_sets_regenerate():
    out = TMPDIR / "regen"
    out.mkdir()
    subprocess.run(["sh", str(DATADIR / "pairs" / "make-sets.sh"), CLI, str(out)], check=True,
                   env=ENV, timeout=120)
    for name in ("names.jsonl", "ioi.jsonl"):
        check((out / name).read_bytes() == (DATADIR / "pairs" / name).read_bytes(),
              f"{name} differs from what make-sets.sh makes")


@test
def test_shipped_sets_single_token_fillers():
    # The independent reference tokenizer, on the shipped GPT-2 files.
    tok = TMPDIR / "tok"
    tok.mkdir()
    shutil.copy(DATADIR / "encoder.json", tok / "vocab.json")
    shutil.copy(DATADIR / "vocab.bpe", tok / "merges.txt")
    # Every filler make-sets.sh gives, with its leading space and (names start the
    # prompt) without.
    script = (DATADIR / "pairs" / "make-sets.sh").read_text(encoding="utf-8")
    fillers = [v for m in re.finditer(r"--slot (\w+)=([\w,]+)", script)
               for v in m.group(2).split(",")] + re.findall(r"--corrupt \w+=(\w+) ", script)
    check(len(fillers) > 30, fillers)
    for v in fillers:
        check(len(R.encode_ascii(" " + v, tok)) == 1, f"filler {v!r} is not one token")
    for v in re.search(r"--slot first=([\w,]+)", script).group(1).split(","):
        check(len(R.encode_ascii(v, tok)) == 1, f"first name {v!r} alone is not one token")
    for name, n_pairs, n_tokens in (("names", 20, 11), ("ioi", 24, 15)):
        pairs = [json.loads(x) for x in (DATADIR / "pairs" / f"{name}.jsonl").read_text(
            encoding="utf-8").splitlines()]
        check(len(pairs) == n_pairs, f"{name}: {len(pairs)} pairs")
        for i, p in enumerate(pairs):
            c, x = R.encode_ascii(p["clean"], tok), R.encode_ascii(p["corrupted"], tok)
            check(len(c) == len(x) == n_tokens, f"{name} pair {i + 1}: {len(c)}/{len(x)} tokens")
            for a in ("clean_answer", "corrupted_answer"):
                check(len(R.encode_ascii(p[a], tok)) == 1, f"{name} pair {i + 1}: {a}")
        if name == "ioi":
            abba = sum(p["clean"].split()[1] == p["clean_answer"].strip() for p in pairs)
            check(abba == 12, f"{abba} ABBA pairs, expected 12 (and 12 BABA)")
        else:
            check(pairs[0]["clean"] == "Michelle Jones was a top-notch student. Michelle"
                  and len({(p["clean"].split()[0], p["clean_answer"]) for p in pairs}) == 20,
                  "the assignment's pair, 20 combinations")
    rc, _, err = run(*sweep_set("ioi", "--json", str(TMPDIR / "ioi.json")))
    check(rc == 0 and json.loads((TMPDIR / "ioi.json").read_text())["pairs"] == 24, err)
    rc, _, err = run(*sweep_set("names.jsonl", "--csv", str(TMPDIR / "names.csv")))
    check(rc == 0, err)


finish()
