#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-hub.py: patchlens-cli download against a hub that lies (issue 9), as TAP.

    test-cli-hub.py PATH/TO/patchlens-cli

A local hub on 127.0.0.1 (nothing leaves the machine) serves the tiny model without
the SHA-256 headers, and misbehaves on demand: a stale .part, an endless config.json,
an HTML page, a vocabulary or merges that are not, a config that does not fit the
weights, a redirect loop, an exabyte announced; distilgpt2's repository; an
unwritable HOME; a download run as a background job (SIGINT ignored).
"""

import http.server
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from cli_tap import (CLI, ENV, MODEL, TMPDIR, check, finish, make_model, run, test)

OTHER = str(make_model("other", "--positions", "128", "--seed", "2"))


class Hub(http.server.BaseHTTPRequestHandler):
    """A hub on 127.0.0.1 serving the tiny model as /ORG/NAME/resolve/main/FILE, with a
    strong ETag per file, Range and If-Range honoured, no X-Linked-* headers (so no
    SHA-256 to check against), and misbehaviour on demand (Hub.mode)."""
    protocol_version = "HTTP/1.1"
    mode = "plain"
    repo = "openai-community/gpt2"
    files = {}          # name -> bytes served
    etag = '"v1"'
    slow = False
    requests = []       # (method, path, Range, If-Range)

    def reply(self, head):
        Hub.requests.append((self.command, self.path, self.headers.get("Range"),
                             self.headers.get("If-Range")))
        self.close_connection = True
        name = self.path.rsplit("/", 1)[-1]
        if Hub.mode == "loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not self.path.startswith(f"/{Hub.repo}/resolve/main/") or name not in Hub.files:
            self.send_response(404)
            self.send_header("X-Error-Code", "RepoNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = Hub.files[name]
        if Hub.mode == "endless" and name == "config.json":
            return self.endless(head)
        if Hub.mode == "huge-length" and name == "config.json":
            self.send_response(200)
            self.send_header("Content-Length", str(10 ** 15))
            self.end_headers()
            return
        if Hub.mode == "huge" and name == "model.safetensors":
            self.send_response(302)
            self.send_header("Location", "/cdn/model")
            self.send_header("X-Linked-Size", str(10 ** 18))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        rng, if_range = self.headers.get("Range"), self.headers.get("If-Range")
        if rng and rng.startswith("bytes=") and (if_range is None or if_range == Hub.etag):
            start = int(rng[6:-1])
        if start >= len(data) > 0:
            self.send_response(416)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("ETag", Hub.etag)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if head:
            return
        slow = Hub.slow and name == "model.safetensors"
        step = 16384 if slow else 1 << 20
        for i in range(start, len(data), step):
            try:
                self.wfile.write(data[i:i + step])
            except (BrokenPipeError, ConnectionResetError):
                return
            if slow:
                time.sleep(0.02)

    def endless(self, head):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if head:
            return
        chunk = b"a" * 65536
        try:
            for _ in range(1024):   # 64 MiB at most, should the client not stop
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):  # noqa: N802 - http.server's name
        self.reply(False)

    def do_HEAD(self):  # noqa: N802 - http.server's name
        self.reply(True)

    def log_message(self, *args):
        pass


def model_files(model):
    return {f: (Path(model) / f).read_bytes()
            for f in ("config.json", "vocab.json", "merges.txt", "model.safetensors")}


def hub(mode="plain", repo="openai-community/gpt2", files=None):
    """A fresh hub (state reset) and the environment that points the CLI at it."""
    Hub.mode, Hub.repo, Hub.etag, Hub.slow = mode, repo, '"v1"', False
    Hub.files = files or model_files(MODEL)
    Hub.requests = []
    if not hasattr(hub, "server"):
        hub.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
        threading.Thread(target=hub.server.serve_forever, daemon=True).start()
    return dict(ENV, HF_ENDPOINT=f"http://127.0.0.1:{hub.server.server_address[1]}",
                GIO_USE_PROXY_RESOLVER="dummy")


def download(dest, env, name="gpt2"):
    return run("download", name, "--dest", str(dest), env=env, timeout=120)


@test
def test_stale_part_without_hash_starts_over():
    env = hub()
    model = Hub.files["model.safetensors"]
    # 9: a .part of another file and no ETag kept: start over, never resume it.
    dest = TMPDIR / "dl-stale"
    dest.mkdir()
    (dest / "model.safetensors.part").write_bytes(
        (Path(OTHER) / "model.safetensors").read_bytes()[:len(model) // 2])
    rc, out, err = download(dest, env)
    check(rc == 0, err)
    check((dest / "model.safetensors").read_bytes() == model, "wrong weights downloaded")
    # A .part kept with an ETag the hub no longer serves: If-Range makes it send all.
    dest = TMPDIR / "dl-old-etag"
    dest.mkdir()
    (dest / "model.safetensors.part").write_bytes(b"x" * 5000)
    (dest / "model.safetensors.part.etag").write_text('"v0"')
    rc, out, err = download(dest, env)
    check(rc == 0 and (dest / "model.safetensors").read_bytes() == model, err)
    gets = [r for r in Hub.requests if r[0] == "GET" and r[1].endswith("safetensors")]
    check(gets[-1][2] == "bytes=5000-" and gets[-1][3] == '"v0"', gets)
    check(not (dest / "model.safetensors.part.etag").exists(), "the ETag file stays")
    # The same file, interrupted: resumed with Range and its ETag.
    dest = TMPDIR / "dl-good-part"
    dest.mkdir()
    (dest / "model.safetensors.part").write_bytes(model[:5000])
    (dest / "model.safetensors.part.etag").write_text('"v1"')
    Hub.requests = []
    rc, out, err = download(dest, env)
    check(rc == 0 and (dest / "model.safetensors").read_bytes() == model, err)
    gets = [r for r in Hub.requests if r[0] == "GET" and r[1].endswith("safetensors")]
    check(len(gets) == 1 and gets[0][2] == "bytes=5000-", gets)


@test
def test_interrupted_download_keeps_its_etag_and_resumes():
    env = hub()
    Hub.slow = True
    dest = TMPDIR / "dl-interrupted"
    p = subprocess.Popen([CLI, "download", "gpt2", "--dest", str(dest)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    part = dest / "model.safetensors.part"
    while time.time() < deadline and not (part.exists() and part.stat().st_size > 50000):
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=60)
    check(p.returncode == 1, p.returncode)
    check((dest / "model.safetensors.part.etag").read_text() == '"v1"', "no ETag kept")
    Hub.slow = False
    done = part.stat().st_size
    rc, out, err = download(dest, env)
    check(rc == 0, err)
    gets = [r for r in Hub.requests if r[0] == "GET" and r[1].endswith("safetensors")]
    check(gets[-1][2] == f"bytes={done}-" and gets[-1][3] == '"v1"', gets)
    check((dest / "model.safetensors").read_bytes() == Hub.files["model.safetensors"],
          "bytes differ")


@test
def test_files_that_are_not_what_they_claim():
    # 10: an endless config.json stops at its limit; nothing of it is kept.
    env = hub("endless")
    dest = TMPDIR / "dl-endless"
    t0 = time.monotonic()
    rc, _, err = download(dest, env)
    check(rc == 1 and "config.json" in err and "more than" in err, err)
    check(not (dest / "config.json").exists() and not (dest / "config.json.part").exists(),
          list(dest.iterdir()) if dest.exists() else "")
    check(time.monotonic() - t0 < 60, "slow")
    # An HTML login page with status 200.
    files = model_files(MODEL)
    files["config.json"] = b"<!DOCTYPE html><html><body>Sign in</body></html>"
    env = hub(files=files)
    dest = TMPDIR / "dl-html"
    rc, _, err = download(dest, env)
    check(rc == 1 and "config.json" in err and "web page" in err, err)
    check(not (dest / "config.json").exists(), "the page was kept as config.json")
    # One kept by an older version is fetched again, not trusted.
    (dest / "config.json").write_bytes(files["config.json"])
    rc, _, err = download(dest, hub())
    check(rc == 0 and (dest / "config.json").read_bytes() == Hub.files["config.json"], err)
    # A vocab that is not one, merges that do not fit the vocab.
    files = model_files(MODEL)
    files["vocab.json"] = b'["not", "a", "vocab"]'
    rc, _, err = download(TMPDIR / "dl-vocab", hub(files=files))
    check(rc == 1 and "vocab.json" in err, err)
    files = model_files(MODEL)
    files["merges.txt"] = b"#version: 0.2\nzq\u00e9 xyzzy\n"
    rc, _, err = download(TMPDIR / "dl-merges", hub(files=files))
    check(rc == 1 and "merges" in err, err)
    # A model that does not load with its config: not complete.
    files = model_files(MODEL)
    files["config.json"] = (Path(OTHER) / "config.json").read_bytes().replace(
        b'"n_layer": 2', b'"n_layer": 3')
    dest = TMPDIR / "dl-mismatch"
    rc, _, err = download(dest, hub(files=files))
    check(rc == 1 and "do not make a model" in err, err)
    check(not (dest / "model.safetensors").exists(), "a model that does not load looks whole")
    rc, out, _ = run("models", env=dict(ENV, PATCHLENS_MODELS=str(TMPDIR)))
    check("dl-mismatch" not in out, out)


@test
def test_download_messages_in_the_users_words():
    # 12: a redirect loop.
    rc, _, err = download(TMPDIR / "dl-loop", hub("loop"))
    check(rc == 1 and "redirect" in err and "HTTP 302" not in err, err)
    # An announced size no model has.
    rc, _, err = download(TMPDIR / "dl-huge", hub("huge"))
    check(rc == 1 and "model.safetensors" in err and "announces" in err
          and "416" not in err, err)
    rc, _, err = download(TMPDIR / "dl-huge-length", hub("huge-length"))
    check(rc == 1 and "config.json" in err and "announces" in err and "416" not in err, err)


@test
def test_distilgpt2_is_distilberts():
    # 11: the hub's repository, and the Hugging Face cache's folder name.
    env = hub(repo="distilbert/distilgpt2")
    dest = TMPDIR / "dl-distil"
    rc, out, err = download(dest, env, "distilgpt2")
    check(rc == 0, err)
    check(all(r[1].startswith("/distilbert/distilgpt2/") for r in Hub.requests), Hub.requests)
    snap = TMPDIR / "hf-home" / "hub" / "models--distilbert--distilgpt2" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    for f in dest.iterdir():
        os.symlink(f, snap / f.name)
    rc, out, err = run("topk", "--model", "distilgpt2", "-k", "2", "--json", "Hello")
    check(rc == 0 and len(json.loads(out)["topk"]) == 2, err)


@test
def test_unwritable_home_no_dconf_noise():
    home = TMPDIR / "ro-home"
    home.mkdir()
    os.chmod(home, 0o555)
    os.chmod(TMPDIR, 0o755)
    env = dict(hub(), HOME=str(home))
    for var in ("XDG_RUNTIME_DIR", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                "GSETTINGS_BACKEND"):
        env.pop(var, None)
    env["GIO_USE_PROXY_RESOLVER"] = ""
    env.pop("GIO_USE_PROXY_RESOLVER")
    cmd = [CLI, "download", "gpt2"]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    err = p.stderr.decode()
    check(p.returncode == 1 and "dconf" not in err and "CRITICAL" not in err, err)
    check(err.startswith("patchlens-cli: ") and "--dest" in err, err)


@test
def test_ignored_sigint_stays_ignored():
    # 16: a background job (SIGINT ignored) is not cancelled by the terminal's Ctrl+C.
    env = hub()
    Hub.slow = True
    dest = TMPDIR / "dl-background"
    p = subprocess.Popen([CLI, "download", "gpt2", "--dest", str(dest)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = time.time() + 60
    while time.time() < deadline and not (dest / "model.safetensors.part").exists():
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    Hub.slow = False
    check(p.returncode == 0 and b"Downloaded" in out, (p.returncode, err))


finish()
