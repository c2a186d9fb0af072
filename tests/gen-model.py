#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""gen-model.py: deterministic random GPT-2 models in the exact Hugging Face layout.

    gen-model.py OUTDIR [--layers 2] [--heads 2] [--embd 32] [--positions 64]
                        [--vocab 50257] [--seed 1] [--prefix] [--mask-buffers]
                        [--dtype F32|F16|BF16] [--layout padded|hub]

writes OUTDIR/config.json, OUTDIR/model.safetensors and the real GPT-2 tokenizer
(vocab.json and merges.txt, copied from data/encoder.json and data/vocab.bpe).
Same arguments give the same bytes. The safetensors file is written by hand, as
Hugging Face writes it: 8-byte little-endian header length, JSON header padded with
spaces to a multiple of 8, then the tensors in sorted-name order, contiguous.

--layout hub lays the file out as the hub's own gpt2 model.safetensors is: the mask
buffers present, tensors in sorted-name order (h.0.attn.bias first), and a header that
is not padded to 8, so the data section starts at an odd byte offset (14291 in the
hub's gpt2; here padded with spaces to 3 mod 8, as 14291 is) and every F32 tensor is
misaligned. The benchmark uses it, since that is what users load.

Weight scales are chosen so that a random model is "interesting" (logits spread over
several units, top-k far from uniform, patching effects clearly non-zero):
    wte ~ N(0, 3/sqrt(C))  wpe ~ N(0, 0.1)   (logits ~ N(0, 3): a few tokens stand out)
    ln_*.weight ~ 1 + N(0, 0.1)      ln_*.bias ~ N(0, 0.02)
    linear weights ~ N(0, 1/sqrt(fan_in))   linear biases ~ N(0, 0.02)
Tensors are drawn in a fixed order (embeddings, then block by block, then ln_f), so
--prefix, --mask-buffers and --dtype change the file but not the weights' values.
"""

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

DTYPES = {"F32": 4, "F16": 2, "BF16": 2}


def data_dir():
    """The shipped tokenizer: $PATCHLENS_DATA_DIR, else data/ beside tests/."""
    env = os.environ.get("PATCHLENS_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


def normal(rng, shape, std, mean=0.0):
    """float32 array of the given shape, N(mean, std), drawn in place (fast for 124M)."""
    a = rng.standard_normal(shape, dtype=np.float32)
    a *= np.float32(std)
    if mean:
        a += np.float32(mean)
    return a


def make_weights(rng, L, H, C, P, V):
    """Ordered list of (name without prefix, float32 array) in Hugging Face's shapes.
    Conv1D weights are stored (in, out), as GPT-2 stores them."""
    del H  # the head count only splits C; no tensor depends on it
    out = [("wte.weight", normal(rng, (V, C), 3.0 / np.sqrt(C))),      # (V, C)
           ("wpe.weight", normal(rng, (P, C), 0.1))]      # (P, C)

    def ln(prefix):
        out.append((prefix + ".weight", normal(rng, (C,), 0.1, 1.0)))
        out.append((prefix + ".bias", normal(rng, (C,), 0.02)))

    def linear(prefix, n_in, n_out):
        out.append((prefix + ".weight", normal(rng, (n_in, n_out), 1.0 / np.sqrt(n_in))))
        out.append((prefix + ".bias", normal(rng, (n_out,), 0.02)))

    for i in range(L):
        h = "h.%d." % i
        ln(h + "ln_1")
        linear(h + "attn.c_attn", C, 3 * C)      # (C, 3C)
        linear(h + "attn.c_proj", C, C)          # (C, C)
        ln(h + "ln_2")
        linear(h + "mlp.c_fc", C, 4 * C)         # (C, 4C)
        linear(h + "mlp.c_proj", 4 * C, C)       # (4C, C)
    ln("ln_f")
    return out


def mask_buffers(L, P):
    """The causal-mask buffers some checkpoints carry: attn.bias (1,1,P,P) lower
    triangular, attn.masked_bias a scalar -1e4."""
    tri = np.tril(np.ones((P, P), dtype=np.float32)).reshape(1, 1, P, P)
    out = []
    for i in range(L):
        out.append(("h.%d.attn.bias" % i, tri))
        out.append(("h.%d.attn.masked_bias" % i, np.array(-1e4, dtype=np.float32)))
    return out


def encode(a, dtype):
    """Little-endian bytes of float32 array a in dtype (BF16 rounds to nearest even)."""
    a = np.ascontiguousarray(a, dtype="<f4")
    if dtype == "F32":
        return a
    if dtype == "F16":
        return a.astype("<f2")
    u = a.view("<u4").astype(np.uint64)
    u += 0x7FFF + ((u >> 16) & 1)
    return (u >> 16).astype("<u2")


def write_safetensors(path, tensors, dtype, layout="padded"):
    """tensors: dict name -> float32 array. Header keys and data both in sorted-name
    order; the header is padded with spaces to a multiple of 8 (layout "padded") or so
    that the data starts at 3 mod 8 (layout "hub")."""
    names = sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name in names:
        a = tensors[name]
        n = int(np.prod(a.shape, dtype=np.int64)) * DTYPES[dtype]
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + n]}
        offset += n
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    if layout == "hub":
        hjson += b" " * ((3 - 8 - len(hjson)) % 8)
    else:
        hjson += b" " * (-len(hjson) % 8)
    tmp = str(path) + ".tmp"
    with open(tmp, "wb") as f:
        f.write(len(hjson).to_bytes(8, "little"))
        f.write(hjson)
        for name in names:
            encode(tensors[name], dtype).tofile(f)
    os.replace(tmp, path)


def write_config(path, a):
    config = {
        "architectures": ["GPT2LMHeadModel"],
        "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5,
        "model_type": "gpt2",
        "n_ctx": a.positions,
        "n_embd": a.embd,
        "n_head": a.heads,
        "n_layer": a.layers,
        "n_positions": a.positions,
        "vocab_size": a.vocab,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")


def parse_args(argv):
    p = argparse.ArgumentParser(description="Write a deterministic random GPT-2 model.")
    p.add_argument("outdir")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--embd", type=int, default=32)
    p.add_argument("--positions", type=int, default=64)
    p.add_argument("--vocab", type=int, default=50257)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--prefix", action="store_true",
                   help='name every tensor "transformer.<name>"')
    p.add_argument("--mask-buffers", action="store_true",
                   help="add h.{i}.attn.bias and h.{i}.attn.masked_bias")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="F32")
    p.add_argument("--layout", choices=["padded", "hub"], default="padded",
                   help="hub: as the hub's gpt2 file (mask buffers, data at an odd offset)")
    a = p.parse_args(argv)
    for key in ("layers", "heads", "embd", "positions", "vocab"):
        if getattr(a, key) <= 0:
            p.error("--%s must be positive" % key)
    if a.embd % a.heads:
        p.error("--embd (%d) must be divisible by --heads (%d)" % (a.embd, a.heads))
    return a


def main(argv):
    a = parse_args(argv)
    out = Path(a.outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    weights = make_weights(rng, a.layers, a.heads, a.embd, a.positions, a.vocab)
    if a.mask_buffers or a.layout == "hub":
        weights += mask_buffers(a.layers, a.positions)
    pre = "transformer." if a.prefix else ""
    tensors = {pre + name: t for name, t in weights}
    write_safetensors(out / "model.safetensors", tensors, a.dtype, a.layout)
    write_config(out / "config.json", a)
    shutil.copyfile(data_dir() / "encoder.json", out / "vocab.json")
    shutil.copyfile(data_dir() / "vocab.bpe", out / "merges.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
