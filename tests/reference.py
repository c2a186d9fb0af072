#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""reference.py: an independent GPT-2 forward and activation patching in numpy.

Written from the maths (GPT-2 as Hugging Face defines it), not from the C engine, and
computed in float64 so that it is the more exact side of every comparison. It reads a
model folder itself (config.json, model.safetensors parsed with json + np.frombuffer)
and does the plain one-forward-per-patch sweep: slow, but obviously right.

    reference.py --model DIR --clean-ids 1,2,3 --corrupted-ids 4,5,6 \
        --clean-answer-id N --corrupted-answer-id M \
        --site resid_post --metric logit-diff -k 20 [--direction noise] [--by-position]
      -> {"clean": {"topk": [{"id","prob","logit"}...], "answer_logits": {...},
                    "metric": ...},
          "corrupted": {...}, "matrix": [[...positions...] ... layers rows ...]}
   Head sites (head_out = z, head_q, head_k, head_v, head_pattern) patch one head of one
   layer at every position (matrix layer x head) or, with --by-position, at one position
   (layer x position x head; for head_pattern the destination row). --direction noise
   runs the clean prompt with the corrupted run's activation patched in.
    reference.py --model DIR --ids 1,2,3 -k 20 --topk-only
      -> {"ids": [...], "topk": [...]}

As a module: Model(dir), model.forward(ids, patch=None, capture=None), sweep(...),
topk(...), lens(model, ids, answer_ids), attention_pattern(model, ids, layer, head),
attribution(model, ids, a, b), and encode_ascii(text, dir) (the GPT-2 BPE for ASCII
text).
"""

import argparse
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

SITES = ("resid_pre", "resid_post", "attn_out", "mlp_out")
HEAD_SITES = ("head_out", "head_q", "head_k", "head_v", "head_pattern")
DIRECTIONS = ("denoise", "noise")
METRICS = ("logit-diff", "logit-delta", "prob-diff", "restored")
PREFIX = "transformer."


# ---- reading a model ----

def read_safetensors(path):
    """dict name -> float64 array. F32, F16 and BF16 (upper half of an f32)."""
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        buf = raw[base + begin:base + end]
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(buf, dtype="<f4")
        elif dt == "F16":
            a = np.frombuffer(buf, dtype="<f2")
        elif dt == "BF16":
            a = (np.frombuffer(buf, dtype="<u2").astype("<u4") << 16).view("<f4")
        else:
            raise ValueError("%s: unsupported dtype %s" % (name, dt))
        out[name] = a.astype(np.float64).reshape(info["shape"])
    return out


class Model:
    """GPT-2 weights in float64. Conv1D weights are (in, out): y = x @ W + b."""

    def __init__(self, folder):
        folder = Path(folder)
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.L = cfg["n_layer"]
        self.H = cfg["n_head"]
        self.C = cfg["n_embd"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        t = read_safetensors(folder / "model.safetensors")
        # Strip "transformer."; the mask buffers are implied by causal attention.
        self.w = {(k[len(PREFIX):] if k.startswith(PREFIX) else k): v
                  for k, v in t.items()
                  if not (k.endswith(".attn.bias") or k.endswith(".attn.masked_bias"))}

    def p(self, name):
        return self.w[name]

    # ---- the pieces ----

    def layer_norm(self, x, prefix):
        """x (T,C) -> (T,C): (x - mean) / sqrt(var + eps) * w + b, biased variance."""
        mu = x.mean(axis=-1, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.p(prefix + ".weight") \
            + self.p(prefix + ".bias")

    def attention(self, x, l, tap=None):
        """x (T,C) normalised input -> (T,C) what attention adds to the residual.

        tap(site, l, a) may replace head activations: head_q, head_k, head_v, head_out
        (H,T,D) and head_pattern (H,T,T), returning the array to use."""
        tap = tap or (lambda site, l, a: a)
        T, C, H = x.shape[0], self.C, self.H
        D = C // H
        h = "h.%d.attn." % l
        qkv = x @ self.p(h + "c_attn.weight") + self.p(h + "c_attn.bias")   # (T,3C)
        q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
        # (H,T,D) each
        q = q.reshape(T, H, D).transpose(1, 0, 2)
        k = k.reshape(T, H, D).transpose(1, 0, 2)
        v = v.reshape(T, H, D).transpose(1, 0, 2)
        q, k, v = tap("head_q", l, q), tap("head_k", l, k), tap("head_v", l, v)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(D)                    # (H,T,T)
        future = np.triu(np.ones((T, T), dtype=bool), k=1)
        scores = np.where(future, -np.inf, scores)
        scores -= scores.max(axis=-1, keepdims=True)
        att = np.exp(scores)
        att /= att.sum(axis=-1, keepdims=True)
        att = tap("head_pattern", l, att)
        z = tap("head_out", l, att @ v)                                      # (H,T,D)
        y = z.transpose(1, 0, 2).reshape(T, C)                               # (T,C)
        return y @ self.p(h + "c_proj.weight") + self.p(h + "c_proj.bias")

    def mlp(self, x, l):
        """x (T,C) normalised input -> (T,C) what the MLP adds to the residual."""
        h = "h.%d.mlp." % l
        u = x @ self.p(h + "c_fc.weight") + self.p(h + "c_fc.bias")         # (T,4C)
        g = 0.5 * u * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (u + 0.044715 * u ** 3)))
        return g @ self.p(h + "c_proj.weight") + self.p(h + "c_proj.bias")

    # ---- the forward ----

    def forward(self, ids, patch=None, capture=None):
        """Logits (V,) at the last position.

        patch: (site, layer, pos, vector (C,)) replaces that one activation; for a head
        site (site, layer, pos, value, head): head's row pos (D,) (of the pattern: (T,)),
        or with pos None all its rows (T,D) (pattern (T,T)).
        capture: a dict filled with site -> (L,T,C) arrays of every activation, and
        head site -> (L,H,T,D) (head_pattern (L,H,T,T))."""
        ids = np.asarray(ids, dtype=np.int64)
        T = len(ids)
        if capture is not None:
            for s in SITES:
                capture[s] = np.zeros((self.L, T, self.C))
            for s in HEAD_SITES:
                capture[s] = np.zeros((self.L, self.H, T, T if s == "head_pattern"
                                       else self.C // self.H))

        def tap(site, l, a):
            if patch is not None and patch[0] == site and patch[1] == l:
                a = a.copy()
                if site in HEAD_SITES:
                    h = patch[4]
                    if patch[2] is None:
                        a[h] = patch[3]
                    else:
                        a[h, patch[2]] = patch[3]
                else:
                    a[patch[2]] = patch[3]
            if capture is not None:
                capture[site][l] = a
            return a

        x = self.p("wte.weight")[ids] + self.p("wpe.weight")[:T]            # (T,C)
        for l in range(self.L):
            x = tap("resid_pre", l, x)
            x = x + tap("attn_out", l, self.attention(self.layer_norm(x, "h.%d.ln_1" % l), l,
                                                      tap))
            x = x + tap("mlp_out", l, self.mlp(self.layer_norm(x, "h.%d.ln_2" % l), l))
            x = tap("resid_post", l, x)
        last = self.layer_norm(x, "ln_f")[-1]                                 # (C,)
        return self.p("wte.weight") @ last                                    # (V,)


# ---- metrics, top-k, sweep ----

def log_softmax(logits):
    m = logits.max()
    return logits - (m + math.log(np.exp(logits - m).sum()))


def topk(logits, k):
    """The k most probable ids, ties broken by the smaller id."""
    order = np.lexsort((np.arange(len(logits)), -logits))[:k]
    lp = log_softmax(logits)
    return [{"id": int(i), "prob": float(math.exp(lp[i])), "logit": float(logits[i])}
            for i in order]


def metric_value(metric, logits, clean_logits, corrupted_logits, a_clean, a_corr,
                 direction="denoise"):
    """The metric of one run's last-position logits (V,). restored is the fraction of
    the patched run's change reproduced: denoising (d_corr - d) / (d_corr - d_clean),
    noising (d - d_clean) / (d_corr - d_clean)."""
    def diff(z):
        return z[a_corr] - z[a_clean]
    if metric == "logit-diff":
        return float(diff(logits))
    if metric == "logit-delta":
        return float(logits[a_clean] - clean_logits[a_clean])
    if metric == "prob-diff":
        lp = log_softmax(logits)
        return float(math.exp(lp[a_corr]) - math.exp(lp[a_clean]))
    if metric == "restored":
        d_corr, d_clean = diff(corrupted_logits), diff(clean_logits)
        if direction == "noise":
            return float((diff(logits) - d_clean) / (d_corr - d_clean))
        return float((d_corr - diff(logits)) / (d_corr - d_clean))
    raise ValueError("unknown metric " + metric)


def patches(model, site, acts, T, by_position):
    """(cell index, patch) for every patch of a sweep, acts the source run's activations.
    Block sites: cells (l, p); head sites (l, h), or (l, p, h) by position."""
    for l in range(model.L):
        if site not in HEAD_SITES:
            for p in range(T):
                yield (l, p), (site, l, p, acts[site][l, p])
        elif by_position:
            for p in range(T):
                for h in range(model.H):
                    yield (l, p, h), (site, l, p, acts[site][l, h, p], h)
        else:
            for h in range(model.H):
                yield (l, h), (site, l, None, acts[site][l, h], h)


def sweep(model, clean_ids, corrupted_ids, a_clean, a_corr, site, metrics, k=20,
          direction="denoise", by_position=False):
    """metrics: a list of names. Returns the JSON-able dict of the CLI, with
    "matrices": {metric: list nested as "axes"} and "matrix" the first metric's.
    direction "denoise" runs the corrupted prompt with one clean activation patched in,
    "noise" the clean prompt with one corrupted activation."""
    if len(clean_ids) != len(corrupted_ids):
        raise ValueError("the two prompts must have the same number of tokens")
    if by_position and site not in HEAD_SITES:
        raise ValueError("by_position applies to head sites")
    noise = direction == "noise"
    clean_acts, corr_acts = {}, {}
    clean_logits = model.forward(clean_ids, capture=clean_acts)
    corr_logits = model.forward(corrupted_ids, capture=corr_acts)
    base_ids, src_acts = (clean_ids, corr_acts) if noise else (corrupted_ids, clean_acts)
    T = len(clean_ids)
    if site not in HEAD_SITES:
        axes, shape = ["layer", "position"], (model.L, T)
    elif by_position:
        axes, shape = ["layer", "position", "head"], (model.L, T, model.H)
    else:
        axes, shape = ["layer", "head"], (model.L, model.H)
    mats = {m: np.zeros(shape) for m in metrics}

    def value(m, z):
        return metric_value(m, z, clean_logits, corr_logits, a_clean, a_corr, direction)
    for cell, patch in patches(model, site, src_acts, T, by_position):
        z = model.forward(base_ids, patch=patch)
        for m in metrics:
            mats[m][cell] = value(m, z)

    def run(z):
        return {"topk": topk(z, k),
                "answer_logits": {"clean": float(z[a_clean]), "corrupted": float(z[a_corr])},
                "metrics": {m: value(m, z) for m in metrics}}
    out = {"site": site, "direction": direction, "axes": axes, "layers": model.L,
           "positions": T, "heads": model.H,
           "clean": run(clean_logits), "corrupted": run(corr_logits),
           "matrices": {m: mats[m].tolist() for m in metrics}}
    out["clean"]["metric"] = out["clean"]["metrics"][metrics[0]]
    out["corrupted"]["metric"] = out["corrupted"]["metrics"][metrics[0]]
    out["metric"] = metrics[0]
    out["matrix"] = out["matrices"][metrics[0]]
    return out


# ---- logit lens, attention patterns, direct logit attribution ----

def streams(model, ids):
    """The residual stream entering each block and the final one: (L+1, T, C)."""
    cap = {}
    model.forward(ids, capture=cap)
    return np.concatenate([cap["resid_pre"], cap["resid_post"][-1:]], axis=0), cap


def lens(model, ids, answer_ids=()):
    """The logit lens: each boundary b = 0..L and position through ln_f and wte.
    Returns {"top_id": (L+1,T), "top_prob": (L+1,T), "logit": (A,L+1,T), "prob": ...}."""
    x, _ = streams(model, ids)
    z = model.layer_norm(x, "ln_f") @ model.p("wte.weight").T                # (L+1,T,V)
    lp = z - z.max(axis=-1, keepdims=True)
    lp = lp - np.log(np.exp(lp).sum(axis=-1, keepdims=True))
    top = np.argmax(z, axis=-1)                      # first (smallest) id on ties
    a = list(answer_ids)
    return {"top_id": top,
            "top_prob": np.exp(np.take_along_axis(lp, top[..., None], axis=-1))[..., 0],
            "logit": np.stack([z[..., i] for i in a]) if a else np.zeros((0,) + top.shape),
            "prob": np.stack([np.exp(lp[..., i]) for i in a]) if a else np.zeros((0,) + top.shape)}


def head_qkv(model, x, l):
    """x (T,C) the stream entering block l -> q, k, v each (H,T,D), from ln_1 and c_attn."""
    T, C, H = x.shape[0], model.C, model.H
    h = "h.%d." % l
    qkv = model.layer_norm(x, h + "ln_1") @ model.p(h + "attn.c_attn.weight") \
        + model.p(h + "attn.c_attn.bias")
    return [qkv[:, i * C:(i + 1) * C].reshape(T, H, C // H).transpose(1, 0, 2)
            for i in range(3)]


def attention_pattern(model, ids, l, head):
    """(T,T): row dst = softmax over src <= dst of q_dst . k_src / sqrt(D); 0 above."""
    x, _ = streams(model, ids)
    q, k, _ = head_qkv(model, x[l], l)
    T, D = len(ids), model.C // model.H
    s = q[head] @ k[head].T / math.sqrt(D)
    s = np.where(np.triu(np.ones((T, T), dtype=bool), k=1), -np.inf, s)
    p = np.exp(s - s.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True)


def attribution(model, ids, a, b):
    """Direct logit attribution of logit(b) - logit(a) at the last position, ln_f's
    scale frozen at the full stream's: ((c - mean c) / sigma) . (gamma * (W_U[b] - W_U[a]))."""
    x, cap = streams(model, ids)
    final = x[-1, -1]
    sigma = math.sqrt(final.var() + model.eps)
    wte = model.p("wte.weight")
    d = model.p("ln_f.weight") * (wte[b] - wte[a])

    def f(c):
        return float((c - c.mean()) @ d / sigma)

    L, H, D, T = model.L, model.H, model.C // model.H, len(ids)
    heads = np.zeros((L, H))
    head_out = np.zeros((L, H, model.C))
    for l in range(L):
        q, k, v = head_qkv(model, x[l], l)
        w = model.p("h.%d.attn.c_proj.weight" % l)
        for h in range(H):
            s = k[h] @ q[h][-1] / math.sqrt(D)                              # (T,)
            p = np.exp(s - s.max())
            z = (p / p.sum()) @ v[h]                                         # (D,)
            head_out[l, h] = z @ w[h * D:(h + 1) * D]
            heads[l, h] = f(head_out[l, h])
    logits = model.layer_norm(final[None], "ln_f")[0] @ wte.T
    return {"logit_diff": float(logits[b] - logits[a]),
            "embed": f(wte[ids[-1]] + model.p("wpe.weight")[T - 1]),
            "heads": heads,
            "attn_bias": [f(model.p("h.%d.attn.c_proj.bias" % l)) for l in range(L)],
            "mlp": [f(cap["mlp_out"][l, -1]) for l in range(L)],
            "ln_f_bias": float(model.p("ln_f.bias") @ (wte[b] - wte[a])),
            "head_out": head_out, "attn_out": cap["attn_out"][:, -1]}


# ---- GPT-2 BPE for ASCII text (to check the engine's ids independently) ----

# The GPT-2 pre-tokenizer pattern with \p{L} / \p{N} narrowed to ASCII letters and
# digits: exact for ASCII text, which is all the tests use.
_SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def _byte_chars():
    """GPT-2's byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def _bpe(word, ranks):
    parts = list(word)
    while len(parts) > 1:
        pairs = [(ranks.get((a, b), 1 << 60), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
        r, i = min(pairs)
        if r == 1 << 60:
            break
        a, b = parts[i], parts[i + 1]
        merged, j = [], 0
        while j < len(parts):
            if j < len(parts) - 1 and parts[j] == a and parts[j + 1] == b:
                merged.append(a + b)
                j += 2
            else:
                merged.append(parts[j])
                j += 1
        parts = merged
    return parts


def encode_ascii(text, folder):
    """Token ids of an ASCII text with the tokenizer in folder (vocab.json, merges.txt)."""
    folder = Path(folder)
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    lines = (folder / "merges.txt").read_text(encoding="utf-8").split("\n")
    ranks = {}
    for line in lines[1:]:
        if line.strip():
            a, b = line.split(" ")
            ranks[(a, b)] = len(ranks)
    bc = _byte_chars()
    ids = []
    for word in _SPLIT.findall(text):
        ids += [vocab[t] for t in _bpe("".join(bc[b] for b in word.encode("utf-8")), ranks)]
    return ids


# ---- command line ----

def parse_ids(s):
    return [int(x) for x in s.split(",") if x.strip()]


def main(argv):
    p = argparse.ArgumentParser(description="numpy reference GPT-2 activation patching")
    p.add_argument("--model", required=True)
    p.add_argument("--ids", type=parse_ids)
    p.add_argument("--topk-only", action="store_true")
    p.add_argument("--clean-ids", type=parse_ids)
    p.add_argument("--corrupted-ids", type=parse_ids)
    p.add_argument("--clean-answer-id", type=int)
    p.add_argument("--corrupted-answer-id", type=int)
    p.add_argument("--site", choices=SITES + HEAD_SITES, default="resid_post")
    p.add_argument("--direction", choices=DIRECTIONS, default="denoise")
    p.add_argument("--by-position", action="store_true")
    p.add_argument("--metric", choices=METRICS + ("all",), default="logit-diff")
    p.add_argument("-k", type=int, default=20)
    a = p.parse_args(argv)
    model = Model(a.model)
    if a.topk_only:
        if not a.ids:
            p.error("--topk-only needs --ids")
        out = {"ids": a.ids, "topk": topk(model.forward(a.ids), a.k)}
    else:
        for need in ("clean_ids", "corrupted_ids", "clean_answer_id", "corrupted_answer_id"):
            if getattr(a, need) is None:
                p.error("--%s is required" % need.replace("_", "-"))
        metrics = list(METRICS) if a.metric == "all" else [a.metric]
        out = sweep(model, a.clean_ids, a.corrupted_ids, a.clean_answer_id,
                    a.corrupted_answer_id, a.site, metrics, a.k, a.direction,
                    a.by_position)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
