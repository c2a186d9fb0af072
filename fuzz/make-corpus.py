#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""make-corpus.py: writes the small committed seed corpora in fuzz/corpus/<target>/.

Valid files (a tiny GPT-2 with every tensor name, F32/F16/BF16 with metadata) and the
malformed cases of tests/test-safetensors.c and tests/test-config.c. Run it again after
changing a case; the output is deterministic.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def safetensors(header, data_len=None, raw_header=None):
    """8-byte little-endian length, the header, then data of pattern i & 0xff."""
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    if data_len is None:
        data_len = max([e["data_offsets"][1] for k, e in header.items() if k != "__metadata__"],
                       default=0)
    return struct.pack("<Q", len(h)) + h + bytes(i & 0xFF for i in range(data_len))


def entries(tensors):
    """[(name, dtype, shape)] laid out contiguously, in order."""
    size = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2,
            "I8": 1, "U8": 1, "BOOL": 1}
    out, pos = {}, 0
    for name, dtype, shape in tensors:
        n = size[dtype]
        for d in shape:
            n *= d
        out[name] = {"dtype": dtype, "shape": shape, "data_offsets": [pos, pos + n]}
        pos += n
    return out


def tiny_gpt2(n_layer=1, C=4, V=8, T=4):
    t = [("wte.weight", "F32", [V, C]), ("wpe.weight", "F32", [T, C])]
    for l in range(n_layer):
        p = f"h.{l}."
        t += [(p + "ln_1.weight", "F32", [C]), (p + "ln_1.bias", "F32", [C]),
              (p + "attn.bias", "F32", [1, 1, T, T]),
              (p + "attn.c_attn.weight", "F32", [C, 3 * C]), (p + "attn.c_attn.bias", "F32", [3 * C]),
              (p + "attn.c_proj.weight", "F32", [C, C]), (p + "attn.c_proj.bias", "F32", [C]),
              (p + "ln_2.weight", "F32", [C]), (p + "ln_2.bias", "F32", [C]),
              (p + "mlp.c_fc.weight", "F32", [C, 4 * C]), (p + "mlp.c_fc.bias", "F32", [4 * C]),
              (p + "mlp.c_proj.weight", "F32", [4 * C, C]), (p + "mlp.c_proj.bias", "F32", [C])]
    t += [("ln_f.weight", "F32", [C]), ("ln_f.bias", "F32", [C])]
    e = entries(t)
    e["__metadata__"] = {"format": "pt"}
    return e


def f32_4(b, e):
    return {"dtype": "F32", "shape": [4], "data_offsets": [b, e]}


def st_cases():
    mixed = entries([("a.weight", "F32", [2, 3]), ("b", "F16", [4]), ("c", "BF16", [])])
    mixed["__metadata__"] = {"format": "pt", "note": "tiny"}
    good = {
        "good-tiny-gpt2": safetensors(tiny_gpt2()),
        "good-mixed-dtypes": safetensors(mixed),
        "good-empty": safetensors({}),
        "good-zero-size": safetensors(entries([("z", "I64", [0]), ("x", "U8", [3])])),
        "good-all-dtypes": safetensors(entries([(d, d, [2]) for d in
                                                ["F32", "F16", "BF16", "F64", "I64", "I32",
                                                 "I16", "I8", "U8", "BOOL"]])),
        "good-padded": safetensors(None, 16, raw_header=json.dumps({"a": f32_4(0, 16)}).encode() + b"    "),
    }
    raw = lambda s, n: safetensors(None, n, raw_header=s.encode())
    bad = {
        "truncated": b"\x01\x00\x00\x00\x00",
        "header-beyond-file": bytes([200, 0, 0, 0, 0, 0, 0, 0]) + b"{}",
        "huge-header": bytes([2, 0, 0, 0, 0, 1, 0, 0]) + b"{}",
        "not-json": raw("{not json", 0),
        "not-object": raw("[1, 2]", 0),
        "trailing-text": raw("{} {}", 0),
        "comment": raw("{/* hi */}", 0),
        "too-deep": raw('{"a":[[[1]]]}', 0),
        "overlap": safetensors({"a": f32_4(0, 16), "b": f32_4(8, 24)}, 24),
        "out-of-range": safetensors({"a": f32_4(0, 16), "far": f32_4(100, 116)}, 32),
        "hole": safetensors({"a": f32_4(0, 16), "b": f32_4(20, 36)}, 36),
        "buffer-longer": safetensors({"a": f32_4(0, 16)}, 20),
        "buffer-shorter": safetensors({"a": f32_4(0, 16)}, 12),
        "wrong-byte-size": safetensors({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}),
        "unknown-dtype": safetensors({"q": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}),
        "negative-shape": safetensors({"n": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}}),
        "fractional-shape": safetensors({"n": {"dtype": "U8", "shape": [2, 2.5], "data_offsets": [0, 5]}}),
        "shape-overflow": safetensors({"b": {"dtype": "U8", "shape": [2**32, 2**32, 2], "data_offsets": [0, 0]}}),
        "offsets-reversed": safetensors({"r": {"dtype": "U8", "shape": [4], "data_offsets": [8, 4]}}, 8),
        "entry-extra-key": safetensors({"e": {"dtype": "U8", "shape": [0], "data_offsets": [0, 0], "x": 1}}),
        "duplicate-name": raw('{"a":%s,"a":%s}' % (json.dumps(f32_4(0, 16)), json.dumps(f32_4(16, 32))), 32),
        "duplicate-escaped": raw('{"ab":%s,"a\\u0062":%s}' % (json.dumps(f32_4(0, 16)), json.dumps(f32_4(0, 16))), 16),
        "metadata-number": safetensors({"__metadata__": {"k": 1}}),
        "metadata-duplicate": raw('{"__metadata__":{"k":"a","k":"b"}}', 0),
        "invalid-utf8": safetensors(None, 0, raw_header=b'{"\xff":{}}'),
        # found by fuzz-safetensors: json-glib decoded the octal escape to a raw 0x80
        "regression-octal-escape": raw('{"ab":%s,"a\\20031":%s}' % (json.dumps(f32_4(0, 16)), json.dumps(f32_4(0, 16))), 16),
        "lone-surrogate": raw('{"a\\ud800":%s}' % json.dumps(f32_4(0, 16)), 16),
        "surrogate-pair": raw('{"\\ud83d\\ude00":%s}' % json.dumps(f32_4(0, 16)), 16),
    }
    return {**good, **bad}


def config_cases():
    gpt2 = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
            "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768,
            "n_head": 12, "n_layer": 12, "n_positions": 1024, "vocab_size": 50257}
    base = {"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024, "vocab_size": 50257}
    j = lambda d: json.dumps(d, indent=1).encode()
    old = dict(base)
    del old["n_positions"]
    old["n_ctx"] = 1024
    return {
        "good-gpt2": j(gpt2),
        "good-n-ctx": j(old),
        "good-tiny": j({"n_layer": 1, "n_head": 1, "n_embd": 4, "n_positions": 4, "vocab_size": 8,
                        "n_inner": None, "activation_function": "gelu_pytorch_tanh"}),
        "not-json": b'{"n_layer": ',
        "not-object": b"[12, 12]",
        "missing-n-head": j({k: v for k, v in base.items() if k != "n_head"}),
        "string-size": j({**base, "n_layer": "12"}),
        "fractional-size": j({**base, "n_layer": 12.5}),
        "zero-heads": j({**base, "n_head": 0}),
        "too-many-layers": j({**base, "n_layer": 1025}),
        "not-divisible": j({**base, "n_embd": 770}),
        "relu": j({**base, "activation_function": "relu"}),
        "n-inner": j({**base, "n_inner": 1000}),
        "epsilon-zero": j({**base, "layer_norm_epsilon": 0}),
        "invalid-utf8": b'{"n_layer\xff": 1}',
        "activation-octal": j({**base, "activation_function": "gelu"})[:-3] + b'\\200"}',
    }


def tokenizer_cases():
    return {
        "michelle": "When Michelle Jones and Tom Smith went to the store, Tom gave a drink to".encode(),
        "contractions": b"I'm sure they've said it's what we'd do, isn't it?",
        "unicode": "caf\u00e9 \u65e5\u672c\u8a9e \U0001F600 na\u00efve \u00a0 \u2028".encode(),
        "whitespace": b"  a\n\n\tb   \r\n c  ",
        "numbers": b"1234567 3.14159 -42 1e10",
        "special": b"<|endoftext|>Hello<|endoftext|>",
        "invalid-utf8": b"abc\xff\xfe def",
        "empty": b"",
    }


def experiment_cases():
    e = {"format": "patchlens-experiment", "version": 1,
         "clean": "When Michelle Jones and Tom Smith went to the store, Tom gave a drink to",
         "corrupted": "When Michelle Jones and Tom Smith went to the store, Michelle gave a drink to",
         "clean_answer": " Michelle", "corrupted_answer": " Tom", "site": "resid_post",
         "metric": "logit-diff", "model": "gpt2", "top_k": 20}
    j = lambda d: json.dumps(d, indent=1).encode()
    return {
        "good": j(e),
        "newer-version": j({**e, "version": 2, "extra": [1, 2]}),
        "no-model": j({k: v for k, v in e.items() if k != "model"}),
        "wrong-format": j({**e, "format": "something-else"}),
        "missing-clean": j({k: v for k, v in e.items() if k != "clean"}),
        "bad-types": j({**e, "top_k": "20", "site": 3}),
        "result-garbage": j({**e, "result": {"n_layers": -1, "values": "x"}}),
        "not-json": b'{"format": "patchlens-experiment", ',
        "array": b"[]",
    }


def download_cases():
    """A file index byte, then a raw hub response (status, headers, blank line, body)."""
    sha = "a" * 64
    config = json.dumps({"n_layer": 2, "n_head": 2, "n_embd": 32, "n_positions": 64,
                         "vocab_size": 50257}).encode()
    vocab = json.dumps({chr(0x100 + i) if i < 33 else chr(i): i for i in range(256)}).encode()

    def resp(i, status, headers, body=b""):
        head = "".join(f"{k}: {v}\r\n" for k, v in headers)
        return bytes([i]) + f"HTTP/1.1 {status}\r\n{head}\r\n".encode() + body

    return {
        "config-ok": resp(0, "200 OK", [("Content-Length", len(config)), ("ETag", '"v1"')],
                          config),
        "config-html": resp(0, "200 OK", [("Content-Type", "text/html")],
                            b"<!DOCTYPE html><html><body>Sign in</body></html>"),
        "config-huge-length": resp(0, "200 OK", [("Content-Length", 10 ** 15)]),
        "vocab-ok": resp(1, "200 OK", [("Content-Length", len(vocab))], vocab),
        "vocab-array": resp(1, "200 OK", [], b'["a", "b"]'),
        "vocab-float-id": resp(1, "200 OK", [], b'{"a": 1.5}'),
        "merges-ok": resp(2, "200 OK", [], b"#version: 0.2\nt o\nto k\n"),
        "merges-bad": resp(2, "200 OK", [], b"#version: 0.2\nthree sym bols\n"),
        "merges-not-utf8": resp(2, "200 OK", [], b"\xff\xfe a\n"),
        "model-redirect": resp(3, "302 Found", [("Location", "https://cdn-lfs.hf.co/repos/x"),
                                                ("X-Linked-Size", 548105171),
                                                ("X-Linked-Etag", f'"{sha}"')]),
        "model-weak-etag": resp(3, "302 Found", [("Location", "/api/resolve-cache/x"),
                                                 ("X-Linked-Etag", f'W/"{sha.upper()}"')]),
        "model-huge-size": resp(3, "302 Found", [("Location", "https://cdn/x"),
                                                 ("X-Linked-Size", 10 ** 18)]),
        "model-file-redirect": resp(3, "302 Found", [("Location", "file:///etc/passwd")]),
        "model-hostless-redirect": resp(3, "301 Moved", [("Location", "http://")]),
        "model-partial": resp(3, "206 Partial Content",
                              [("Content-Range", "bytes 100-199/200"), ("Content-Length", 100)],
                              bytes(100)),
        "model-range-overflow": resp(3, "206 Partial Content",
                                     [("Content-Range", "bytes 99999999999999999999999-/x")]),
        "no-blank-line": bytes([0]) + b"HTTP/1.1 200 OK\r\nContent-Length: 5",
        "not-http": bytes([1]) + b"\x00\x01garbage\r\n\r\n{}",
    }


def main():
    for target, cases in [("safetensors", st_cases()), ("config", config_cases()),
                          ("tokenizer", tokenizer_cases()), ("experiment", experiment_cases()),
                          ("download", download_cases())]:
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in cases.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
