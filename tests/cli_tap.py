# SPDX-License-Identifier: GPL-3.0-or-later
"""cli_tap.py: what the CLI's TAP test scripts share (test-cli-robust.py,
test-cli-hub.py): the CLI under test (argv[1]), a private environment that sees none
of the machine's models, one TAP point per test function, running the CLI, checking
its exit status and message, and generated models to break on purpose.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

CLI = os.path.abspath(sys.argv[1])
SRCDIR = Path(os.environ.get("G_TEST_SRCDIR", Path(__file__).resolve().parent))
GEN_MODEL = SRCDIR / "gen-model.py"

MICHELLE = "Michelle Jones was a top-notch student. Michelle"
SMITH = "Michelle Smith was a top-notch student. Michelle"
JONES_ID, SMITH_ID = 5437, 4176

TMP = tempfile.TemporaryDirectory(prefix="patchlens-cli-test-")
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



def finish():
    """The TAP plan and the exit status; call once at the end."""
    print(f"1..{len(_results)}")
    sys.exit(0 if all(_results) else 1)
