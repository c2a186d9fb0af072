#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli.py: patchlens-cli end to end, as a user runs it (TAP output).

    test-cli.py PATH/TO/patchlens-cli

Checks tokenizer facts, the JSON contract other tools read, and every error a user can
make, with its exit status (2 = usage, 1 = anything else) and message. Model-based
cases use a tiny random model from gen-model.py; numbers are not compared to the
engine's own output (numeric correctness is the numpy reference's test).
"""

import http.server
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from cli_tap import (CLI, ENV, MICHELLE, SMITH, TMPDIR, check, expect_error, finish,
                     make_model, run, test)

MICHELLE_IDS = [48736, 5437, 373, 257, 1353, 12, 1662, 354, 3710, 13, 16738]

# A 64-position model, so that texts over the context are cheap to make.
MODEL = str(make_model("tiny64", "--positions", "64"))
SWEEP = ["sweep", "--model", MODEL, "--clean", MICHELLE, "--corrupted", SMITH,
         "--clean-answer", " Jones", "--corrupted-answer", " Smith"]

# ---- program ----


@test
def test_version_and_help():
    rc, out, _ = run("--version")
    check(rc == 0 and out.startswith("patchlens-cli 0."), out)
    rc, out, _ = run("--help")
    for cmd in ("tokenize", "topk", "sweep", "models", "download"):
        check(cmd in out, f"{cmd} missing from --help")
    rc, out, _ = run("help", "sweep")
    check(rc == 0 and "--clean-answer" in out and "--threads" in out, out)
    expect_error(["help", "frobnicate"], 2, "frobnicate")
    expect_error(["frobnicate"], 2, "frobnicate")
    expect_error([], 2)


@test
def test_bad_option():
    expect_error(["tokenize", "--bogus", "hi"], 2, "--bogus")
    expect_error(["topk", "--model", MODEL, "-k", "many", "hi"], 2, "many")
    expect_error(["topk", "--model", MODEL, "-k", "0", "hi"], 2, "-k")
    expect_error(["topk", "hi"], 2, "--model")
    expect_error(["tokenize"], 2, "TEXT")
    expect_error(SWEEP + ["--threads", "0"], 2, "--threads")
    expect_error(SWEEP + ["--scale", "-1"], 2, "--scale")
    expect_error(SWEEP + ["--colormap", "rainbow"], 2, "rainbow")
    expect_error(SWEEP[:-2], 2, "--corrupted-answer")

# ---- tokenize ----


@test
def test_tokenize_michelle_plain():
    rc, out, err = run("tokenize", MICHELLE)
    check(rc == 0, err)
    lines = out.splitlines()
    check(lines[-1] == "11 tokens", lines[-1])
    ids = [int(line.split("\t")[0]) for line in lines[:-1]]
    check(ids == MICHELLE_IDS, ids)
    check(lines[1] == "5437\t Jones", repr(lines[1]))


@test
def test_tokenize_michelle_json():
    rc, out, err = run("tokenize", "--json", MICHELLE)
    check(rc == 0, err)
    doc = json.loads(out)
    check(set(doc) == {"ids", "pieces"}, doc.keys())
    check(doc["ids"] == MICHELLE_IDS, doc["ids"])
    check("".join(doc["pieces"]) == MICHELLE, doc["pieces"])
    check(doc["pieces"][1] == " Jones", doc["pieces"])


@test
def test_tokenize_model_folder_and_special():
    rc, out, _ = run("tokenize", "--model", MODEL, "--json", MICHELLE)
    check(rc == 0 and json.loads(out)["ids"] == MICHELLE_IDS, out)
    rc, out, _ = run("tokenize", "--json", "--allow-special", "<|endoftext|>")
    check(json.loads(out)["ids"] == [50256], out)
    rc, out, _ = run("tokenize", "--json", "<|endoftext|>")
    check(50256 not in json.loads(out)["ids"], out)


@test
def test_tokenize_control_characters_stay_on_one_line():
    rc, out, _ = run("tokenize", "a\nb")
    lines = out.splitlines()
    check(lines[-1] == "3 tokens", out)
    check(lines[1].split("\t")[1] == "\\n", repr(lines[1]))


@test
def test_tokenize_jsonl_escapes_in_order():
    texts = ["caf\u00e9", "two\nlines", "smile \U0001F600!", "tab\there", MICHELLE,
             "\"quoted\" \\ back"]
    # ensure_ascii writes \u00e9 and the emoji as a surrogate pair \ud83d\ude00.
    lines = [json.dumps(t, ensure_ascii=True) for t in texts]
    check("\\ud83d\\ude00" in lines[2], lines[2])
    rc, out, err = run("tokenize", "--jsonl", stdin=("\n".join(lines) + "\n").encode())
    check(rc == 0, err)
    docs = [json.loads(line) for line in out.splitlines()]
    check(len(docs) == len(texts), out)
    for text, doc in zip(texts, docs):
        rc, single, _ = run("tokenize", "--json", text)
        check(doc == json.loads(single), f"{text!r}: {doc} != {single}")
    check(docs[4]["ids"] == MICHELLE_IDS, docs[4])
    check("".join(docs[0]["pieces"]) == "caf\u00e9", docs[0])
    check("".join(docs[1]["pieces"]) == "two\nlines", docs[1])


@test
def test_tokenize_jsonl_streams_many_lines():
    n = 20000
    data = "".join(json.dumps(f"line {i}") + "\n" for i in range(n)).encode()
    rc, out, err = run("tokenize", "--jsonl", stdin=data)
    check(rc == 0, err)
    out_lines = out.splitlines()
    check(len(out_lines) == n, len(out_lines))
    for i in (0, 1, 9999, n - 1):
        check("".join(json.loads(out_lines[i])["pieces"]) == f"line {i}", out_lines[i])
    # Streaming: the first result is out before the input ends.
    p = subprocess.Popen([CLI, "tokenize", "--jsonl"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, env=ENV)
    p.stdin.write(b'"hello"\n')
    p.stdin.flush()
    # stdout is a pipe (fully buffered): the first line shows only when the buffer is
    # flushed, so feed enough lines to fill it, then look for the first one.
    first = None
    try:
        p.stdin.write(b'"x"\n' * 4096)
        p.stdin.flush()
        first = p.stdout.readline()
    finally:
        p.stdin.close()
        p.stdout.read()
        p.wait(timeout=30)
    check(json.loads(first)["pieces"] == ["hello"], first)


@test
def test_tokenize_jsonl_bad_lines():
    good = b'"one"\n"two"\n'
    out, err = expect_error(["tokenize", "--jsonl"], 1, "line 3", stdin=good + b"not json\n")
    check(len(out.splitlines()) == 2, out)
    expect_error(["tokenize", "--jsonl"], 1, "line 2", "string", stdin=b'"a"\n42\n')
    expect_error(["tokenize", "--jsonl"], 1, "line 2", stdin=b'"a"\n\n"b"\n')
    expect_error(["tokenize", "--jsonl"], 1, "line 1", "surrogate", stdin=b'"\\ud83d"\n')
    expect_error(["tokenize", "--jsonl"], 1, "line 1", "escape", stdin=b'"\\q"\n')
    expect_error(["tokenize", "--jsonl"], 1, "line 2", stdin=b'"a"\n"b" "c"\n')
    expect_error(["tokenize", "--jsonl"], 1, "line 1", "UTF-8", stdin=b'"caf\xe9"\n')
    expect_error(["tokenize", "--jsonl", "extra"], 2, "TEXT")


@test
def test_missing_model_folder():
    missing = str(TMPDIR / "no-such-model")
    expect_error(["tokenize", "--model", missing, "hi"], 1, "no-such-model")
    expect_error(["topk", "--model", missing, "hi"], 1, "no-such-model")
    expect_error(["sweep", "--model", missing] + SWEEP[3:], 1, "no-such-model")

# ---- topk ----


@test
def test_topk_json_contract():
    rc, out, err = run("topk", "--model", MODEL, "-k", "5", "--json", MICHELLE)
    check(rc == 0, err)
    doc = json.loads(out)
    check(doc["ids"] == MICHELLE_IDS, doc["ids"])
    top = doc["topk"]
    check([e["rank"] for e in top] == [1, 2, 3, 4, 5], top)
    for e in top:
        check(set(e) == {"rank", "id", "token", "prob", "logit"}, e)
        check(0 <= e["id"] < 50257 and 0 < e["prob"] <= 1, e)
    probs = [e["prob"] for e in top]
    check(probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-9, probs)
    check(top[0]["logit"] >= top[-1]["logit"], top)


@test
def test_topk_table():
    rc, out, err = run("topk", "--model", MODEL, "-k", "3", MICHELLE)
    check(rc == 0, err)
    lines = out.splitlines()
    head = [line for line in lines if "Token index" in line]
    check(len(head) == 1, out)
    for col in ("Position", "Token", "Probability", "Logit"):
        check(col in head[0], head[0])
    rows = lines[lines.index(head[0]) + 1:]
    check(len(rows) == 3 and rows[0].split("|")[0].strip() == "1", out)
    bars = [[i for i, ch in enumerate(line) if ch == "|"] for line in [head[0]] + rows]
    check(len(bars[0]) == 4 and all(b == bars[0] for b in bars), "columns not aligned:\n" + out)


@test
def test_topk_empty_and_too_long():
    expect_error(["topk", "--model", MODEL, ""], 1, "empty")
    expect_error(["topk", "--model", MODEL, "word" + " word" * 99], 1, "64", "100")

# ---- sweep: validation ----


@test
def test_sweep_unequal_token_counts():
    args = ["sweep", "--model", MODEL, "--clean", MICHELLE, "--corrupted",
            "Michelle Smithsonian-Jones was a top-notch student. Michelle",
            "--clean-answer", " Jones", "--corrupted-answer", " Smith"]
    out, err = expect_error(args, 1, "11", "Jones", "Smith")
    check("|" in err, "the segmentations are not shown: " + err)
    check(out == "", out)


@test
def test_sweep_multi_token_answer():
    # "Jones" is one token in GPT-2's vocabulary (25784), as " Jones" (5437) is;
    # "lawyer" is two (law|yer) where " lawyer" is one.
    args = SWEEP[:-4] + ["--clean-answer", "lawyer", "--corrupted-answer", " Smith"]
    _, err = expect_error(args, 1, "lawyer", "2 tokens", "law|yer", "leading space")
    rc, _, err = run(*SWEEP, "--json", str(TMPDIR / "ok.json"))
    check(rc == 0, "the leading-space form is refused: " + err)


@test
def test_sweep_empty_and_too_long():
    args = ["sweep", "--model", MODEL, "--clean", "", "--corrupted", "",
            "--clean-answer", " Jones", "--corrupted-answer", " Smith"]
    expect_error(args, 1, "empty")
    long_text = "word " * 80
    args = ["sweep", "--model", MODEL, "--clean", long_text, "--corrupted", long_text,
            "--clean-answer", " Jones", "--corrupted-answer", " Smith"]
    expect_error(args, 1, "64")


@test
def test_sweep_unknown_site_and_metric():
    expect_error(SWEEP + ["--site", "resid_middle"], 2, "resid_middle", "resid_post")
    expect_error(SWEEP + ["--metric", "accuracy"], 2, "accuracy", "logit-diff")

# ---- sweep: outputs ----


@test
def test_sweep_all_outputs():
    out_dir = TMPDIR / "outputs"
    out_dir.mkdir()
    files = {ext: out_dir / f"fig.{ext}" for ext in ("json", "csv", "png", "svg", "pdf")}
    args = [a for ext, path in files.items() for a in (f"--{ext}", str(path))]
    rc, out, err = run(*SWEEP, "--site", "mlp_out", "--metric", "prob-diff", "-k", "3",
                       "--threads", "1", "--scale", "2", "--colormap", "viridis", *args)
    check(rc == 0, err)
    check(out == "", "stdout should stay empty with output files: " + out)
    check("\r" not in err, "progress shown without a terminal: " + repr(err))
    doc = json.loads(files["json"].read_text())
    check(doc["format"] == "patchlens-sweep" and doc["site"] == "mlp_out"
          and doc["metric"] == "prob-diff", doc.keys())
    check(doc["layers"] == 2 and doc["positions"] == 11, (doc["layers"], doc["positions"]))
    check(len(doc["matrix"]) == 2 and all(len(r) == 11 for r in doc["matrix"]), doc["matrix"])
    check(doc["clean"]["ids"] == MICHELLE_IDS and len(doc["clean"]["topk"]) == 3, doc["clean"])
    check(doc["clean_answer"]["id"] == 5437 and doc["corrupted_answer"]["id"] == 4176, doc)
    csv = files["csv"].read_text().splitlines()
    check(csv[0] == "layer,position,token,value" and len(csv) == 1 + 22, csv[:3])
    check(files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    check(b"<svg" in files["svg"].read_bytes()[:2000], "not an SVG")
    check(files["pdf"].read_bytes()[:5] == b"%PDF-", "not a PDF")


@test
def test_sweep_json_to_stdout():
    rc, out, err = run(*SWEEP, "--json", "-")
    check(rc == 0, err)
    doc = json.loads(out)
    check(doc["format"] == "patchlens-sweep" and len(doc["matrix"]) == 2, out[:200])
    expect_error(SWEEP + ["--png", "-"], 2, "--png")


@test
def test_sweep_text_output():
    rc, out, err = run(*SWEEP, "-k", "4", "--naive")
    check(rc == 0, err)
    check(out.count("Token index") == 2, "two top-k tables expected:\n" + out)
    lines = out.splitlines()
    head = [i for i, line in enumerate(lines) if line.startswith("Layer")]
    check(len(head) == 1, out)
    check("Michelle" in lines[head[0]] and "␣Smith" in lines[head[0]], lines[head[0]])
    for layer in (0, 1):
        cells = lines[head[0] + 1 + layer].split()
        check(cells[0] == str(layer) and len(cells) == 12, cells)
        check(all(c[0] in "+-" and len(c.split(".")[1]) == 3 for c in cells[1:]), cells)


@test
def test_sweep_unwritable_export_path():
    bad = "/nonexistent-folder/fig.png"
    # Nothing can be written: stop before the sweep.
    expect_error(SWEEP + ["--png", bad], 1, "/nonexistent-folder")
    # One bad output: still nothing is run (the user fixes the name and loses no sweep),
    # and the good output's file is not created.
    good = TMPDIR / "partial.json"
    out, err = expect_error(SWEEP + ["--png", bad, "--json", str(good)], 1,
                            "/nonexistent-folder", "nothing was run")
    check(not good.exists(), "an output was written although the command was refused")
    folder = TMPDIR / "a-folder"
    folder.mkdir()
    expect_error(SWEEP + ["--csv", str(folder)], 1, "a-folder")

# ---- models and download ----


@test
def test_models_listing():
    rc, out, err = run("models")
    check(rc == 0 and "No models found" in out, out + err)
    check(str(TMPDIR / "models") in out, "the searched places are not listed: " + out)
    models = TMPDIR / "models"
    models.mkdir(exist_ok=True)
    os.symlink(MODEL, models / "gpt2")
    try:
        rc, out, err = run("models")
        check(rc == 0, err)
        row = [line for line in out.splitlines() if line.startswith("gpt2 ")]
        check(len(row) == 1, out)
        check(" complete " in row[0] and ("MB" in row[0] or "kB" in row[0]), row[0])
        rc, out, err = run("topk", "--model", "gpt2", "-k", "2", "--json", "Hello")
        check(rc == 0 and len(json.loads(out)["topk"]) == 2, err)
    finally:
        os.unlink(models / "gpt2")


class Hub(http.server.BaseHTTPRequestHandler):
    """Serves the tiny model as /openai-community/NAME/resolve/main/FILE; slow when
    asked, so a download can be interrupted mid-way."""
    slow = False

    def do_GET(self):  # noqa: N802 - http.server's name
        parts = self.path.split("/")
        if len(parts) != 6 or parts[2] != "gpt2" or parts[3:5] != ["resolve", "main"]:
            self.send_error(404)
            return
        path = Path(MODEL) / parts[5]
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        chunk = 4096 if Hub.slow and path.name == "model.safetensors" else 1 << 20
        for i in range(start, len(data), chunk):
            try:
                self.wfile.write(data[i:i + chunk])
            except (BrokenPipeError, ConnectionResetError):
                return
            if Hub.slow and path.name == "model.safetensors":
                time.sleep(0.01)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


def serve_hub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@test
def test_download_and_cancel():
    server = serve_hub()
    env = dict(ENV, HF_ENDPOINT=f"http://127.0.0.1:{server.server_address[1]}")
    try:
        dest = TMPDIR / "dl"
        p = subprocess.run([CLI, "download", "gpt2", "--dest", str(dest)], env=env,
                           capture_output=True, timeout=120)
        check(p.returncode == 0, p.stderr.decode())
        check((dest / "model.safetensors").read_bytes()
              == (Path(MODEL) / "model.safetensors").read_bytes(), "bytes differ")
        p = subprocess.run([CLI, "download", "no-such-gpt", "--dest", str(TMPDIR / "x")],
                           env=env, capture_output=True, timeout=120)
        check(p.returncode == 1 and p.stderr.startswith(b"patchlens-cli: "), p.stderr)

        # Ctrl+C mid-way: a clean cancel that keeps the complete files.
        Hub.slow = True
        dest = TMPDIR / "dl-cancel"
        p = subprocess.Popen([CLI, "download", "gpt2", "--dest", str(dest)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while time.time() < deadline and not list(dest.glob("model.safetensors*")):
            time.sleep(0.05)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        err = err.decode()
        check(p.returncode == 1, f"status {p.returncode}: {err}")
        check("cancelled" in err and "patchlens-cli: " in err, err)
        check((dest / "config.json").is_file(), "a complete file was removed")
        check(not (dest / "model.safetensors").exists(), "a half model looks whole")
    finally:
        Hub.slow = False
        server.shutdown()


finish()
