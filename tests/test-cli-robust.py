#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-robust.py: patchlens-cli attacked from the sides (issue 9), as TAP.

    test-cli-robust.py PATH/TO/patchlens-cli

Refused figures that must not abort at exit, broken weights, a restored metric with
no denominator, outputs that are devices, FIFOs, symlinks or one file twice, model
files that are FIFOs or devices, a hub that lies (stale .part, endless or HTML
files, redirect loops, oversized sizes), and the small things: .bin checkpoints,
names against folders, BOMs, closed stdout, ignored SIGINT. Every case checks the
exit status and the message a user reads.
"""

import http.server
import json
import os
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

CLI = os.path.abspath(sys.argv[1])
SRCDIR = Path(os.environ.get("G_TEST_SRCDIR", Path(__file__).resolve().parent))
GEN_MODEL = SRCDIR / "gen-model.py"

MICHELLE = "Michelle Jones was a top-notch student. Michelle"
SMITH = "Michelle Smith was a top-notch student. Michelle"
JONES_ID, SMITH_ID = 5437, 4176

TMP = tempfile.TemporaryDirectory(prefix="patchlens-cli-robust-")
TMPDIR = Path(TMP.name)
ENV = dict(os.environ)
ENV.update({
    "PATCHLENS_MODELS": str(TMPDIR / "models"),
    "XDG_DATA_HOME": str(TMPDIR / "xdg-data"),
    "HF_HOME": str(TMPDIR / "hf-home"),
    "HF_HUB_CACHE": str(TMPDIR / "hf-home" / "hub"),
    "LC_ALL": "C.UTF-8",
})
ENV.pop("HF_ENDPOINT", None)

_results = []


def test(fn):
    """Runs fn as one TAP test point; an exception is a failure with its traceback."""
    name = fn.__name__.replace("test_", "").replace("_", " ")
    try:
        fn()
        _results.append(True)
        print(f"ok {len(_results)} - {name}", flush=True)
    except Exception:  # noqa: BLE001 - every failure is reported, not raised
        _results.append(False)
        print(f"not ok {len(_results)} - {name}", flush=True)
        for line in traceback.format_exc().splitlines():
            print(f"# {line}", flush=True)
    return fn


def run(*args, stdin=None, env=None, timeout=120, **kw):
    p = subprocess.run([CLI, *args], input=stdin, capture_output=True,
                       env=env or ENV, timeout=timeout, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_error(args, status, *needles, stdin=None, env=None):
    """The command fails with status and a "patchlens-cli: " message holding needles."""
    rc, out, err = run(*args, stdin=stdin, env=env)
    check(rc == status, f"exit status {rc}, expected {status}; stderr: {err!r}")
    check(err.startswith("patchlens-cli: "), f"stderr does not start with the prefix: {err!r}")
    for n in needles:
        check(n.lower() in err.lower(), f"{n!r} not in stderr: {err!r}")
    return out, err


def make_model(name, *extra):
    out = TMPDIR / name
    subprocess.run([sys.executable, str(GEN_MODEL), str(out), "--layers", "2",
                    "--heads", "2", "--embd", "32", "--seed", "1", *extra],
                   check=True, env=ENV, timeout=300)
    return out


def tensor_view(model, name):
    """(offset in the file, element count) of an F32 tensor of model.safetensors."""
    path = Path(model) / "model.safetensors"
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    for key in (name, "transformer." + name):
        if key in header:
            begin, end = header[key]["data_offsets"]
            check(header[key]["dtype"] == "F32", header[key])
            return 8 + n + begin, (end - begin) // 4
    raise KeyError(name)


def poke(model, name, index, value):
    """Sets element index of tensor name to value (a float) in place."""
    offset, count = tensor_view(model, name)
    check(index < count, (name, index, count))
    with open(Path(model) / "model.safetensors", "r+b") as f:
        f.seek(offset + 4 * index)
        f.write(struct.pack("<f", value))


MODEL = str(make_model("tiny", "--positions", "128"))
SWEEP = ["sweep", "--model", MODEL, "--clean", MICHELLE, "--corrupted", SMITH,
         "--clean-answer", " Jones", "--corrupted-answer", " Smith"]


def sweep_on(model):
    return ["sweep", "--model", str(model)] + SWEEP[3:]

# ---- 1: a refused figure never aborts the program at exit ----


@test
def test_refused_png_never_aborts():
    long_text = " ".join(["word"] * 119)   # 120 tokens with the leading "word"
    cases = [
        (SWEEP + ["--png", str(TMPDIR / "x.png"), "--scale", "1e-300"], 2, "--scale"),
        (["sweep", "--model", MODEL, "--clean", long_text, "--corrupted", long_text,
          "--clean-answer", " Jones", "--corrupted-answer", " Smith",
          "--png", str(TMPDIR / "big.png"), "--scale", "16"], 1, "pixels"),
    ]
    for args, status, needle in cases:
        for i in range(30):
            rc, _, err = run(*args)
            check(rc == status, f"run {i}: exit {rc} (a negative status is a signal): {err!r}")
            check("Assertion" not in err and needle in err, err)
    check(not (TMPDIR / "x.png").exists() and not (TMPDIR / "big.png").exists(), "written")

# ---- 3: NaN and infinity in the weights ----


@test
def test_nonfinite_bias_refused_at_load():
    bad = make_model("nan-bias")
    poke(bad, "h.1.mlp.c_fc.bias", 3, float("nan"))
    expect_error(["topk", "--model", str(bad), "Hello"], 1, "h.1.mlp.c_fc.bias", "NaN")
    inf = make_model("inf-wpe")
    poke(inf, "wpe.weight", 40, float("inf"))
    expect_error(sweep_on(inf), 1, "wpe", "infinity")


@test
def test_nonfinite_wte_row_or_matrix_is_an_error():
    # A NaN in the wte row of a token that is not in the prompt: only its logit is NaN.
    bad = make_model("nan-wte")
    poke(bad, "wte.weight", 7 * 32 + 5, float("nan"))   # token 7 ("(")
    _, err = expect_error(["topk", "--model", str(bad), "--json", MICHELLE], 1, "wte",
                          "NaN")
    expect_error(sweep_on(bad), 1, "wte")
    # In the prompt's own token: the embeddings already.
    bad = make_model("nan-wte-prompt")
    poke(bad, "wte.weight", JONES_ID * 32, float("nan"))
    expect_error(["topk", "--model", str(bad), MICHELLE], 1, "embeddings")
    # In a large matrix of block 1: named by its layer.
    bad = make_model("inf-fc")
    _, count = tensor_view(bad, "h.1.mlp.c_fc.weight")
    for i in range(0, count, 7):
        poke(bad, "h.1.mlp.c_fc.weight", i, float("inf"))
    expect_error(["topk", "--model", str(bad), MICHELLE], 1, "layer 1")
    rc, out, err = run(*(sweep_on(bad)), "--json", "-")
    check(rc == 1 and "layer 1" in err and out == "", (rc, err, out[:100]))

# ---- 4: restored with a denominator within rounding of zero ----


@test
def test_restored_near_zero_denominator():
    twin = make_model("twin")
    # " Smith" becomes " Jones" up to one part in 10^6: the two runs' logit differences
    # agree to about 1e-6 but are not equal.
    off_j, n = tensor_view(twin, "wte.weight")
    raw = bytearray((twin / "model.safetensors").read_bytes())
    row_j = off_j + 4 * JONES_ID * 32
    row_s = off_j + 4 * SMITH_ID * 32
    raw[row_s:row_s + 128] = raw[row_j:row_j + 128]
    (twin / "model.safetensors").write_bytes(bytes(raw))
    (value,) = struct.unpack("<f", raw[row_s:row_s + 4])
    poke(twin, "wte.weight", SMITH_ID * 32, value * (1 + 1e-6) + 1e-7)
    args = ["sweep", "--model", str(twin), "--clean", MICHELLE, "--corrupted", SMITH,
            "--clean-answer", " the", "--corrupted-answer", " a", "--metric", "restored"]
    out, err = expect_error(args + ["--json", "-"], 1, "undefined", "rounding")
    check(out == "", out[:200])
    # The same prompts with logit-diff are fine: only the fraction is refused.
    rc, out, err = run(*args[:-2], "--metric", "logit-diff", "--json", "-")
    check(rc == 0 and json.loads(out)["metric"] == "logit-diff", err)

# ---- 5: outputs are written where the path points, as what it is ----


def sweep_json_to(path, timeout=120):
    return run(*SWEEP, "--json", str(path), timeout=timeout)


@test
def test_output_fifo_is_written_not_replaced():
    fifo = TMPDIR / "out.fifo"
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo, "rb") as f:
            got["data"] = f.read()
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    rc, _, err = sweep_json_to(fifo, timeout=60)
    t.join(timeout=30)
    check(rc == 0, err)
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a file")
    check(json.loads(got["data"])["format"] == "patchlens-sweep", got)


@test
def test_output_symlink_and_mode_are_kept():
    target = TMPDIR / "target.json"
    target.write_text("old")
    os.chmod(target, 0o600)
    link = TMPDIR / "link.json"
    os.symlink(target, link)
    rc, _, err = sweep_json_to(link)
    check(rc == 0, err)
    check(link.is_symlink(), "the symlink was replaced by a file")
    check(json.loads(target.read_text())["format"] == "patchlens-sweep", "target not written")
    check(stat.S_IMODE(os.stat(target).st_mode) == 0o600,
          oct(stat.S_IMODE(os.stat(target).st_mode)))
    # A file of ours that did not exist gets the umask's mode, 0644 under umask 022.
    fresh = TMPDIR / "fresh.json"
    rc, _, err = run(*SWEEP, "--json", str(fresh), preexec_fn=lambda: os.umask(0o022))
    check(rc == 0 and stat.S_IMODE(os.stat(fresh).st_mode) == 0o644,
          oct(stat.S_IMODE(os.stat(fresh).st_mode)))


@test
def test_output_descriptors_and_stdout():
    rc, out, err = run(*SWEEP, "--json", "/dev/stdout")
    check(rc == 0 and json.loads(out)["format"] == "patchlens-sweep", err)
    r, w = os.pipe()
    p = subprocess.Popen([CLI, *SWEEP, "--csv", f"/dev/fd/{w}"], pass_fds=(w,), env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, err = p.communicate(timeout=120)
    check(p.returncode == 0, err)
    check(data.decode().startswith("layer,position,token,value"), data[:100])
    rc, out, err = run(*SWEEP, "--csv", "-")
    check(rc == 0 and out.startswith("layer,position,token,value"), err)


@test
def test_output_character_devices():
    # /dev/full: written in place, so the device's "disk full" is the error reported.
    rc, _, err = sweep_json_to("/dev/full")
    check(rc == 1 and "/dev/full" in err and "space" in err.lower(), err)
    check(stat.S_ISCHR(os.stat("/dev/full").st_mode), "/dev/full replaced")
    if os.geteuid() != 0:
        # Without root no device can be replaced; the write must still succeed.
        rc, _, err = sweep_json_to("/dev/null")
        check(rc == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode), err)
        return
    # As root the old code replaced the device node: try it on a private null device
    # in a mount namespace of our own, never on the machine's /dev/null.
    script = (f'set -e; d={TMPDIR}/devns; mkdir -p "$d"; mount -t tmpfs tmpfs "$d"; '
              f'mknod -m 666 "$d/null" c 1 3; "$0" "$@"; '
              f'test -c "$d/null" && echo STILL-A-DEVICE')
    p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                        script, CLI, *SWEEP, "--json", f"{TMPDIR}/devns/null"],
                       capture_output=True, env=ENV, timeout=120)
    out = p.stdout.decode()
    err = p.stderr.decode()
    if p.returncode != 0 and "unshare" in err:
        print(f"# no mount namespace here ({err.strip()}); /dev/full checked only")
        return
    check(p.returncode == 0 and "STILL-A-DEVICE" in out, (p.returncode, out, err))

# ---- 6: two outputs on one file, an extension of another format ----


@test
def test_two_outputs_one_file_refused_before_work():
    out = TMPDIR / "same"
    expect_error(SWEEP + ["--json", str(out), "--pdf", str(out)], 1, "--json", "--pdf",
                 "same")
    check(not out.exists(), "written")
    os.makedirs(TMPDIR / "sub", exist_ok=True)
    expect_error(SWEEP + ["--json", str(TMPDIR / "sub" / "r"), "--csv",
                          str(TMPDIR / "sub" / ".." / "sub" / "r")], 1, "--csv")
    existing = TMPDIR / "existing.json"
    existing.write_text("keep")
    os.symlink(existing, TMPDIR / "alias.csv")
    expect_error(SWEEP + ["--json", str(existing), "--csv", str(TMPDIR / "alias.csv")],
                 1, "--json", "--csv")
    check(existing.read_text() == "keep", "an output was written")
    # - and /dev/stdout are the same file.
    r, w = os.pipe()
    p = subprocess.run([CLI, *SWEEP, "--json", "-", "--csv", "/dev/stdout"], stdout=w,
                       stderr=subprocess.PIPE, env=ENV, timeout=120)
    os.close(w)
    os.close(r)
    check(p.returncode == 1 and b"--csv" in p.stderr, p.stderr)


@test
def test_extension_of_another_format_refused():
    _, err = expect_error(SWEEP + ["--png", str(TMPDIR / "fig.pdf")], 2, "--png", ".pdf",
                          "--pdf")
    expect_error(SWEEP + ["--json", str(TMPDIR / "r.CSV")], 2, "--csv")
    check(not (TMPDIR / "fig.pdf").exists(), "written")
    rc, _, err = run(*SWEEP, "--json", str(TMPDIR / "result.txt"))
    check(rc == 0, "an unknown extension is the user's choice: " + err)

# ---- 7: every output option is checked before the sweep ----


@test
def test_output_checks_come_before_the_sweep():
    good = TMPDIR / "before.json"
    t0 = time.monotonic()
    out, err = expect_error(SWEEP + ["--naive", "--json", str(good), "--png",
                                     str(TMPDIR / "p.png"), "--scale", "1e-300"], 2, "--scale")
    check(not good.exists(), "the sweep ran")
    long_text = " ".join(["word"] * 100)
    args = ["sweep", "--model", MODEL, "--clean", long_text, "--corrupted", long_text,
            "--clean-answer", " Jones", "--corrupted-answer", " Smith", "--naive"]
    _, err = expect_error(args + ["--json", str(good), "--png", str(TMPDIR / "p.png"),
                                  "--scale", "14"], 1, "pixels", "nothing was run")
    check(not good.exists(), "the sweep ran before the figure was refused")
    # At scale 2 the same figure is fine.
    rc, _, err = run(*args, "--png", str(TMPDIR / "p.png"), "--scale", "2")
    check(rc == 0 and (TMPDIR / "p.png").read_bytes()[:4] == b"\x89PNG", err)

# ---- 8: model files that are devices or FIFOs ----


def model_copy(name, replace):
    """A copy of the tiny model (symlinks) where file replace is made by a callback."""
    d = TMPDIR / name
    d.mkdir()
    for f in ("config.json", "model.safetensors", "vocab.json", "merges.txt"):
        if f != replace[0]:
            os.symlink(Path(MODEL) / f, d / f)
    replace[1](d / replace[0])
    return d


@test
def test_model_files_that_never_end_are_refused():
    for i, f in enumerate(("config.json", "vocab.json", "model.safetensors")):
        zero = model_copy(f"zero-{i}", (f, lambda p: os.symlink("/dev/zero", p)))
        fifo = model_copy(f"fifo-{i}", (f, os.mkfifo))
        for d, kind in ((zero, "device"), (fifo, "FIFO")):
            t0 = time.monotonic()
            rc, _, err = run("topk", "--model", str(d), "Hello", timeout=30)
            check(rc == 1 and f in err and kind in err and "regular file" in err,
                  (f, rc, err))
            check(time.monotonic() - t0 < 20, "too slow: read before refusing?")
        rc, _, err = run("tokenize", "--model", str(fifo), "Hello", timeout=30)
        check(rc == (1 if f == "vocab.json" else 0), (f, rc, err))   # reads no weights
    big = model_copy("big-config", ("config.json", lambda p: p.write_bytes(
        b'{"n_layer": 2' + b" " * (17 << 20) + b"}")))
    expect_error(["topk", "--model", str(big), "Hello"], 1, "config.json", "too large")

# ---- 15, 16: tokenize --jsonl input, closed stdout, ignored SIGINT ----


@test
def test_jsonl_bom_and_trailing_blank_lines():
    rc, out, err = run("tokenize", "--jsonl", stdin=b'\xef\xbb\xbf"Hello"\n"world"\n\n\n')
    check(rc == 0, err)
    docs = [json.loads(line) for line in out.splitlines()]
    check([d["pieces"] for d in docs] == [["Hello"], ["world"]], docs)
    rc, out, err = run("tokenize", "--jsonl", stdin=b'"a"\r\n  \r\n')
    check(rc == 0 and len(out.splitlines()) == 1, err)
    # A blank line between texts is still an error (a text may be missing).
    expect_error(["tokenize", "--jsonl"], 1, "line 2", stdin=b'"a"\n\n"b"\n')


@test
def test_closed_stdout_says_so():
    p = subprocess.run(["sh", "-c", 'exec "$0" tokenize Hello >&-', CLI],
                       stderr=subprocess.PIPE, env=ENV, timeout=60)
    err = p.stderr.decode()
    check(p.returncode == 1 and "standard output is closed" in err, (p.returncode, err))
    check("Invalid argument" not in err, err)
    # An output file opened while stdout is closed must not receive the text of stdout.
    target = TMPDIR / "closed-stdout.json"
    p = subprocess.run(["sh", "-c", 'exec "$0" "$@" >&-', CLI, *SWEEP, "--json",
                        str(target)], stderr=subprocess.PIPE, env=ENV, timeout=120)
    check(p.returncode == 0, p.stderr)
    check(json.loads(target.read_text())["format"] == "patchlens-sweep", "mixed output")


print(f"1..{len(_results)}")
sys.exit(0 if all(_results) else 1)
