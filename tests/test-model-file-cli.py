#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-model-file-cli.py: model.safetensors truncated or overwritten while
`patchlens-cli sweep --naive` holds it (fault injection, TAP output).

    test-model-file-cli.py PATH/TO/patchlens-cli

20 runs. In each, the file is restored to version A, a naive sweep starts, and after a
random delay (before, during or after the load) the file is truncated (to half, to a
random length, to nothing) or overwritten in place with version B (another valid model
of the same shapes). Every run must end either with exit 0 and the matrix of version A
or B exactly (the whole file as it was at one moment), or with exit 1 and a message
naming model.safetensors; never a signal (SIGBUS was the bug) and never a mixed result.

Then 6 runs attack Patchlens' own aligned copy of the weights (pl-weights-cache.h),
which a run maps: truncated or scribbled on during the sweep, the run ends with the
matrix of A or with exit 1 naming the aligned copy; never a signal, never garbage.
The models are in the padded layout, whose aligned F32 tensors the old loader used in
place from a mapping (test-model-file.c covers the hub's layout in-process).
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = os.path.abspath(sys.argv[1])
SRCDIR = Path(os.environ.get("G_TEST_SRCDIR", Path(__file__).resolve().parent))
GEN_MODEL = SRCDIR / "gen-model.py"
N_RUNS = 20
N_COPY_RUNS = 6
ARGS = ["sweep", "--naive", "--clean", "Michelle Jones was a top-notch student. Michelle",
        "--corrupted", "Michelle Smith was a top-notch student. Michelle",
        "--clean-answer", " Jones", "--corrupted-answer", " Smith"]


def gen(outdir, seed):
    subprocess.run(["/usr/bin/python3", str(GEN_MODEL), str(outdir), "--layers", "4",
                    "--embd", "64", "--heads", "4", "--seed", str(seed)],
                   check=True, capture_output=True)


def write_in_place(path, data, chunk=1 << 16):
    """Overwrites path's bytes without replacing the file (same inode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for i in range(0, len(data), chunk):
            os.pwrite(fd, data[i:i + chunk], i)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def sweep(model, out):
    p = subprocess.run([CLI, *ARGS, "--model", str(model), "--json", str(out)],
                       capture_output=True)
    assert p.returncode == 0, p.stderr
    return json.loads(out.read_text())["matrix"]


def main():
    rng = random.Random(11)
    ok = True
    print("1..%d" % (N_RUNS + 1 + N_COPY_RUNS), flush=True)
    with tempfile.TemporaryDirectory(prefix="patchlens-model-file-") as t:
        tmp = Path(t)
        gen(tmp / "a", 3)
        gen(tmp / "b", 4)
        a = (tmp / "a" / "model.safetensors").read_bytes()
        b = (tmp / "b" / "model.safetensors").read_bytes()
        t0 = time.monotonic()
        matrix_a = sweep(tmp / "a", tmp / "a.json")
        duration = time.monotonic() - t0
        matrix_b = sweep(tmp / "b", tmp / "b.json")
        good = len(a) == len(b) and matrix_a != matrix_b
        print("%s 1 - two versions of the file with different results (sweep %.3f s)"
              % ("ok" if good else "not ok", duration), flush=True)
        ok &= good
        subprocess.run(["cp", "-r", str(tmp / "a"), str(tmp / "victim")], check=True)
        weights = tmp / "victim" / "model.safetensors"
        for run in range(N_RUNS):
            write_in_place(weights, a)
            out = tmp / "out.json"
            out.unlink(missing_ok=True)
            op = run % 4
            delay = rng.uniform(0, duration * 1.2)
            p = subprocess.Popen([CLI, *ARGS, "--model", str(tmp / "victim"), "--json",
                                  str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(delay)
            if op == 0:
                os.truncate(weights, len(a) // 2)
            elif op == 1:
                os.truncate(weights, rng.randrange(len(a)))
            elif op == 2:
                os.truncate(weights, 0)
            else:
                write_in_place(weights, b)
            _, err = p.communicate(timeout=120)
            err = err.decode("utf-8", "replace").strip()
            what = ("truncate to half", "truncate to random", "truncate to 0",
                    "overwrite with B")[op]
            if p.returncode == 0:
                matrix = json.loads(out.read_text())["matrix"]
                good = matrix == matrix_a or (op == 3 and matrix == matrix_b)
                verdict = "exit 0, matrix of version %s" % (
                    "A" if matrix == matrix_a else "B" if matrix == matrix_b else "MIXED")
            else:
                good = (p.returncode == 1 and err.startswith("patchlens-cli: ")
                        and "model.safetensors" in err)
                verdict = "exit %d: %s" % (p.returncode, err)
            print("%s %d - %s after %.0f ms: %s" % ("ok" if good else "not ok", run + 2,
                                                     what, delay * 1e3, verdict), flush=True)
            ok &= good
        ok &= attack_copies(rng, tmp, matrix_a, duration)
    return 0 if ok else 1


def attack_copies(rng, tmp, matrix_a, duration):
    """The aligned copy truncated or written while a sweep maps it."""
    ok = True
    cache = tmp / "cache"
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    subprocess.run(["cp", "-r", str(tmp / "a"), str(tmp / "copied")], check=True)
    time.sleep(3.2)   # copies are made of sources three seconds old
    for run in range(N_COPY_RUNS):
        out = tmp / "copy.json"
        out.unlink(missing_ok=True)
        first = subprocess.run([CLI, *ARGS, "--model", str(tmp / "copied"), "--json",
                                str(out)], env=env, capture_output=True)
        copies = list((cache / "patchlens" / "weights").glob("*.safetensors"))
        assert first.returncode == 0 and len(copies) == 1, first.stderr
        p = subprocess.Popen([CLI, *ARGS, "--model", str(tmp / "copied"), "--json",
                              str(out)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        delay = rng.uniform(0, duration * 0.9)
        time.sleep(delay)
        os.chmod(copies[0], 0o644)
        if run % 2 == 0:
            os.truncate(copies[0], rng.randrange(os.path.getsize(copies[0]) // 2))
        else:
            with open(copies[0], "r+b") as f:
                f.seek(os.path.getsize(copies[0]) // 2)
                f.write(b"garbage!" * 512)
        _, err = p.communicate(timeout=120)
        err = err.decode("utf-8", "replace").strip()
        what = ("truncate", "scribble on")[run % 2]
        if p.returncode == 0:
            matrix = json.loads(out.read_text())["matrix"]
            good = matrix == matrix_a
            verdict = "exit 0, matrix of %s" % ("A" if good else "GARBAGE")
        else:
            good = p.returncode == 1 and "aligned copy" in err
            verdict = "exit %d: %s" % (p.returncode, err)
        print("%s %d - %s the aligned copy after %.0f ms: %s" % (
            "ok" if good else "not ok", N_RUNS + 2 + run, what, delay * 1e3, verdict),
            flush=True)
        ok &= good
    return ok


if __name__ == "__main__":
    sys.exit(main())
