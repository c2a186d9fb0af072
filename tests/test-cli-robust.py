#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-robust.py: patchlens-cli attacked from the sides (issue 9), as TAP.

    test-cli-robust.py PATH/TO/patchlens-cli

Refused figures that must not abort at exit, broken weights, a restored metric with
no denominator, outputs that are devices, FIFOs, symlinks or one file twice, model
files that are FIFOs or devices, .bin checkpoints, names against folders, BOMs and a
closed stdout. Every case checks the exit status and the message a user reads.
(The downloads are test-cli-hub.py's.)
"""

import json
import os
import stat
import struct
import subprocess
import threading
import time
from pathlib import Path

from cli_tap import (CLI, ENV, JONES_ID, MICHELLE, MODEL, SMITH, SMITH_ID, SWEEP, TMPDIR,
                     check, expect_error, finish, make_model, poke, run, sweep_on, test,
                     tensor_view)

OTHER = str(make_model("other", "--positions", "128", "--seed", "2"))

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
    _, err = expect_error(["topk", "--model", str(bad), "--json", MICHELLE], 1,
                          "wte row 7", "NaN")
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


# As root, a broken writer replaces whatever device node it is given: every test that
# names a node of the machine's /dev uses one that an unprivileged rename cannot touch
# (/proc/self/fd/N), or runs in a mount namespace of its own.
STDOUT_PATH = "/proc/self/fd/1" if os.geteuid() == 0 else "/dev/stdout"


@test
def test_output_descriptors_and_stdout():
    rc, out, err = run(*SWEEP, "--json", STDOUT_PATH)
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
    if os.geteuid() != 0:
        # Without root no device node can be replaced: the machine's are safe to use.
        rc, _, err = sweep_json_to("/dev/full")
        check(rc == 1 and "/dev/full" in err and "space" in err.lower(), err)
        rc, _, err = sweep_json_to("/dev/null")
        check(rc == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode), err)
        return
    # As root the old code replaced the device node: try it on private null and full
    # devices in a mount namespace of our own, never on the machine's.
    script = (f'd={TMPDIR}/devns; mkdir -p "$d" && mount -t tmpfs tmpfs "$d" && '
              f'mknod -m 666 "$d/null" c 1 3 && mknod -m 666 "$d/full" c 1 7 || exit 99; '
              f'"$0" "$@" --json "$d/null" || exit 1; '
              f'"$0" "$@" --json "$d/full"; echo "full=$?"; '
              f'test -c "$d/null" && test -c "$d/full" && echo STILL-DEVICES')
    p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                        script, CLI, *SWEEP], capture_output=True, env=ENV, timeout=120)
    out = p.stdout.decode()
    err = p.stderr.decode()
    if p.returncode == 99 or (p.returncode != 0 and "unshare" in err):
        raise AssertionError(f"no mount namespace for the device test: {err}")
    check(p.returncode == 0 and "full=1" in out and "STILL-DEVICES" in out,
          (p.returncode, out, err))
    check("No space" in err or "space" in err.lower(), err)

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
    p = subprocess.run([CLI, *SWEEP, "--json", "-", "--csv", STDOUT_PATH], stdout=w,
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

# ---- 13, 14: checkpoints we do not read, names against folders ----


@test
def test_bin_and_sharded_checkpoints_say_what_to_fetch():
    binonly = TMPDIR / "bin-only"
    binonly.mkdir()
    os.symlink(Path(MODEL) / "config.json", binonly / "config.json")
    (binonly / "pytorch_model.bin").write_bytes(b"PK\x03\x04")
    expect_error(["topk", "--model", str(binonly), "Hello"], 1, ".bin", "not supported",
                 "model.safetensors")
    sharded = TMPDIR / "sharded"
    sharded.mkdir()
    os.symlink(Path(MODEL) / "config.json", sharded / "config.json")
    (sharded / "model.safetensors.index.json").write_text("{}")
    (sharded / "model-00001-of-00002.safetensors").write_bytes(b"")
    expect_error(["topk", "--model", str(sharded), "Hello"], 1, "sharded", "not")


@test
def test_a_name_is_not_shadowed_by_an_empty_folder():
    work = TMPDIR / "cwd"
    (work / "gpt2").mkdir(parents=True)
    models = TMPDIR / "models"
    models.mkdir(exist_ok=True)
    os.symlink(MODEL, models / "gpt2")
    try:
        # ./gpt2 holds no model: the name gpt2 is the store's model.
        rc, out, err = run("topk", "--model", "gpt2", "-k", "1", "--json", "Hi", cwd=work)
        check(rc == 0, err)
        # With a slash it is the folder, and the message says what it lacks.
        rc, _, err = run("topk", "--model", "./gpt2", "Hi", cwd=work)
        check(rc == 1 and "gpt2/config.json" in err, err)
        # A folder of that name that holds a model is taken.
        os.rmdir(work / "gpt2")
        os.symlink(OTHER, work / "gpt2")
        rc, a, err = run("topk", "--model", "gpt2", "-k", "3", "--json", "Hi", cwd=work)
        rc2, b, _ = run("topk", "--model", OTHER, "-k", "3", "--json", "Hi")
        check(rc == 0 and a == b, (err, a, b))
        # A bare word that is neither says how to write a folder.
        expect_error(["topk", "--model", "no-such-thing", "Hi"], 1, "./no-such-thing")
    finally:
        os.unlink(models / "gpt2")

# ---- 15, 16: tokenize --jsonl input, closed stdout (ignored SIGINT: test-cli-hub.py) ----


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



finish()
