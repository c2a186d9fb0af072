#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-heads.py: `patchlens-cli sweep` with head sites and directions (TAP output).

    test-cli-heads.py PATH/TO/patchlens-cli

The contract of issue 10: --site head_out|head_q|head_k|head_v|head_pattern,
--by-position, --direction denoise|noise; every sweep JSON has "direction", "axes" and
"heads", "matrix" nested in the order of "axes"; CSV and figures for both head shapes;
clear usage errors for bad combinations. Numbers are the numpy reference's test
(check-reference.py); here only what follows from the definitions is checked.
"""

import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

CLI = os.path.abspath(sys.argv[1])
SRCDIR = Path(os.environ.get("G_TEST_SRCDIR", Path(__file__).resolve().parent))
TMP = tempfile.TemporaryDirectory(prefix="patchlens-cli-heads-")
TMPDIR = Path(TMP.name)
ENV = dict(os.environ, LC_ALL="C.UTF-8", PATCHLENS_MODELS=str(TMPDIR / "models"))
MICHELLE = "Michelle Jones was a top-notch student. Michelle"
SMITH = "Michelle Smith was a top-notch student. Michelle"
L, H, T = 2, 4, 11

_results = []


def test(fn):
    """Runs fn as one TAP test point; an exception is a failure with its traceback."""
    try:
        fn()
        _results.append(True)
        print(f"ok {len(_results)} - {fn.__name__[5:].replace('_', ' ')}", flush=True)
    except Exception:  # noqa: BLE001 - every failure is reported, not raised
        _results.append(False)
        print(f"not ok {len(_results)} - {fn.__name__[5:].replace('_', ' ')}", flush=True)
        for line in traceback.format_exc().splitlines():
            print(f"# {line}", flush=True)
    return fn


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, env=ENV, timeout=300)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_usage(args, *needles):
    rc, _, err = run(*args)
    check(rc == 2, f"exit status {rc}, expected 2; stderr: {err!r}")
    for n in needles:
        check(n in err, f"{n!r} not in stderr: {err!r}")


MODEL = TMPDIR / "tiny"
subprocess.run([sys.executable, str(SRCDIR / "gen-model.py"), str(MODEL), "--layers", str(L),
                "--heads", str(H), "--embd", "32", "--positions", "64", "--seed", "9"],
               check=True, env=ENV, timeout=300)
SWEEP = ["sweep", "--model", str(MODEL), "--clean", MICHELLE, "--corrupted", SMITH,
         "--clean-answer", " Jones", "--corrupted-answer", " Smith"]


def sweep_json(*extra):
    rc, out, err = run(*SWEEP, "--json", "-", *extra)
    check(rc == 0, err)
    return json.loads(out)


@test
def test_block_sites_gain_direction_axes_heads():
    doc = sweep_json()
    check(doc["direction"] == "denoise" and doc["axes"] == ["layer", "position"]
          and doc["heads"] == H, {k: doc.get(k) for k in ("direction", "axes", "heads")})
    check(len(doc["matrix"]) == L and all(len(r) == T for r in doc["matrix"]), doc["matrix"])


@test
def test_head_site_all_positions_is_layer_by_head():
    for site in ("head_out", "head_q", "head_k", "head_v", "head_pattern"):
        doc = sweep_json("--site", site)
        check(doc["site"] == site and doc["axes"] == ["layer", "head"], doc["axes"])
        check(len(doc["matrix"]) == L and all(len(r) == H for r in doc["matrix"]),
              doc["matrix"])
        check(all(isinstance(v, float) for r in doc["matrix"] for v in r), doc["matrix"])


@test
def test_by_position_is_layer_position_head():
    doc = sweep_json("--site", "head_v", "--by-position")
    check(doc["axes"] == ["layer", "position", "head"], doc["axes"])
    m = doc["matrix"]
    check(len(m) == L and all(len(r) == T and all(len(c) == H for c in r) for r in m), m)
    # Position 0 holds the same token in both prompts: patching it changes nothing.
    corrupted = doc["corrupted"]["metric"]
    check(all(abs(m[l][0][h] - corrupted) < 1e-6 for l in range(L) for h in range(H)),
          (m[0][0], corrupted))


@test
def test_noise_direction_restored_ends():
    doc = sweep_json("--site", "resid_post", "--direction", "noise", "--metric", "restored")
    check(doc["direction"] == "noise", doc["direction"])
    # Noising: the clean run is 0 of the clean -> corrupted change, the corrupted run 1;
    # patching the whole output row at the last layer reproduces all of it.
    check(abs(doc["clean"]["metric"]) < 1e-6 and abs(doc["corrupted"]["metric"] - 1) < 1e-6,
          (doc["clean"]["metric"], doc["corrupted"]["metric"]))
    check(abs(doc["matrix"][-1][-1] - 1) < 1e-4, doc["matrix"][-1])


@test
def test_csv_and_figures_for_both_head_shapes():
    for extra, header, n in ((["--site", "head_out"], "layer,head,value", L * H),
                             (["--site", "head_pattern", "--by-position"],
                              "layer,position,token,head,value", L * T * H)):
        out_dir = TMPDIR / ("out" + "".join(extra))
        out_dir.mkdir()
        files = {ext: out_dir / f"fig.{ext}" for ext in ("csv", "png", "svg", "pdf")}
        args = [a for ext, path in files.items() for a in (f"--{ext}", str(path))]
        rc, _, err = run(*SWEEP, *extra, *args)
        check(rc == 0, err)
        csv = files["csv"].read_text().splitlines()
        check(csv[0] == header and len(csv) == 1 + n, csv[:3])
        if "--by-position" in extra:
            check(csv[5].startswith('0,1," Jones/ Smith",0,'), csv[5])
        check(files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
        svg = files["svg"].read_text()
        check("<svg" in svg[:2000], "not an SVG")
        check(files["pdf"].read_bytes()[:5] == b"%PDF-", "not a PDF")


@test
def test_text_output_for_heads():
    rc, out, err = run(*SWEEP, "--site", "head_k", "--direction", "noise", "-k", "2")
    check(rc == 0, err)
    check("necessary" in out and "head_k" in out, out)
    head = [line for line in out.splitlines() if line.startswith("Layer")]
    check(len(head) == 1 and head[0].split()[1:] == [f"H{h}" for h in range(H)], head)
    rc, out, err = run(*SWEEP, "--site", "head_q", "--by-position", "-k", "2")
    check(rc == 0, err)
    check("sufficient" in out and f"{L * T * H} cells" in out, out)
    rows = [line for line in out.splitlines() if line[:1].isdigit() and "." in line[:4]]
    check(len(rows) == L * H and rows[-1].startswith(f"{L - 1}.{H - 1}"), rows[-2:])


@test
def test_bad_combinations():
    expect_usage(SWEEP + ["--site", "resid_post", "--by-position"], "--by-position",
                 "head_out", "resid_post")
    expect_usage(SWEEP + ["--by-position"], "--by-position")
    expect_usage(SWEEP + ["--direction", "sideways"], "sideways", "denoise", "noise")
    expect_usage(SWEEP + ["--site", "head"], "head_out", "head_pattern")


print(f"1..{len(_results)}")
sys.exit(0 if all(_results) else 1)
