#!/usr/bin/env python3
"""PyTorch side of LipReg's side-by-side benchmark (dev.lipreg.bench.Compare).

Times the same steps as LipReg on the same model (fashion-cnn), batch and
data, with torch.set_num_threads(threads). Run it with Debian's python3-torch
(/usr/bin/python3) and OPENBLAS_NUM_THREADS=1 (see docs/architecture.md, Speed:
two thread pools on two cores fight otherwise); Compare sets both.

One-shot:  compare.py --threads 2 --batch 128 --warmup 5 --steps 30 --modes all
           (--device cuda: on the GPU, TF32 off as LipReg's cuda backend, each step timed to a sync)
           prints one JSON object on stdout: {"info": {...}, "results": {mode: {"ms": [...]}}}
Serve:     compare.py --serve ...   reads JSON commands, one per line, and answers
           one JSON line each, so Compare can alternate LipReg and PyTorch:
           {"cmd": "run", "mode": "train", "n": 5}  -> {"mode": "train", "ms": [...]}
           {"cmd": "info"} -> {"info": {...}};  {"cmd": "quit"}
           The first line written is {"ready": true, "info": {...}}.
Without torch, both forms print {"error": "..."} and exit with status 3.
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

MODES = ["forward", "input-gradient", "train", "exact-penalty", "fd-penalty", "fd-penalty-1dir", "pgd7"]

LAMBDA, EPSILON_TV, FD_H = 0.1, 0.01, 0.01          # RobustObjective.paper(0.1, 0.01, LINF), tulip's h
PGD_EPS, PGD_STEPS = 0.1, 7                          # PGD-7 l-inf, step 2.5*eps/7, random start
LR, MOMENTUM = 0.01, 0.9


def fail(message):
    print(json.dumps({"error": message}), flush=True)
    sys.exit(3)


try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any import failure means "no torch here"
    fail("PyTorch is not importable by %s: %s" % (sys.executable, e))


def read_idx(path):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(directory, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    return None


def load_batches(data_dir, batch, count, seed):
    """`count` consecutive training batches: real Fashion-MNIST when present, else seeded noise."""
    images = find(data_dir, "train-images-idx3-ubyte") if data_dir else None
    labels = find(data_dir, "train-labels-idx1-ubyte") if data_dir else None
    need = batch * count
    if images and labels:
        x = read_idx(images)[:need].astype(np.float32) / np.float32(255)
        y = read_idx(labels)[:need].astype(np.int64)
        if len(x) == need:
            source = "fashion-mnist train[0:%d]" % need
            return batches_of(x.reshape(-1, 1, 28, 28), y, batch), source
    rng = np.random.default_rng(seed)
    x = rng.random((need, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, need).astype(np.int64)
    return batches_of(x, y, batch), "uniform noise (seed %d)" % seed


def batches_of(x, y, batch):
    return [(torch.from_numpy(np.ascontiguousarray(x[i:i + batch])).to(DEVICE), torch.from_numpy(y[i:i + batch]).to(DEVICE))
            for i in range(0, len(x), batch)]


DEVICE = "cpu"  # set once by main() from --device


def fashion_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


class Steps:
    def __init__(self, batches, seed):
        torch.manual_seed(seed)
        self.model = fashion_cnn().to(DEVICE)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)
        self.batches = batches
        self.next = 0

    def batch(self):
        b = self.batches[self.next % len(self.batches)]
        self.next += 1
        return b

    def update(self, total):
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        self.opt.step()

    def forward(self, x, y):
        with torch.no_grad():
            self.model(x)

    def input_gradient(self, x, y):
        x = x.clone().requires_grad_(True)
        loss = F.cross_entropy(self.model(x), y, reduction="sum")
        torch.autograd.grad(loss, x)

    def train(self, x, y):
        self.update(F.cross_entropy(self.model(x), y))

    def exact_penalty(self, x, y):
        x = x.clone().requires_grad_(True)
        per = F.cross_entropy(self.model(x), y, reduction="none")
        g, = torch.autograd.grad(per.sum(), x, create_graph=True)
        g = g.flatten(1)
        total = per.mean() + LAMBDA * g.norm(2, dim=1).max() + EPSILON_TV * g.abs().sum(1).mean()
        self.update(total)

    def fd_penalty(self, x, y, directions):
        x = x.clone().requires_grad_(True)
        per = F.cross_entropy(self.model(x), y, reduction="none")
        g, = torch.autograd.grad(per.sum(), x, retain_graph=True)
        g = g.detach()
        x = x.detach()
        norm2 = g.flatten(1).norm(2, dim=1).view(-1, 1, 1, 1)
        d2 = g / (norm2 + (norm2 == 0).float())
        shifted2 = F.cross_entropy(self.model(x + FD_H * d2), y, reduction="none")
        total = per.mean() + LAMBDA * ((shifted2 - per) / FD_H).max()
        if directions == 2:
            root = math.sqrt(g[0].numel())
            d1 = torch.sign(g) / root
            shifted1 = F.cross_entropy(self.model(x + FD_H * d1), y, reduction="none")
            total = total + EPSILON_TV * ((shifted1 - per) / FD_H * root).mean()
        self.update(total)

    def pgd7(self, x, y):
        alpha = 2.5 * PGD_EPS / PGD_STEPS
        adv = (x + torch.empty_like(x).uniform_(-PGD_EPS, PGD_EPS)).clamp(0, 1)
        for _ in range(PGD_STEPS):
            adv.requires_grad_(True)
            loss = F.cross_entropy(self.model(adv), y, reduction="sum")
            g, = torch.autograd.grad(loss, adv)
            adv = torch.min(torch.max(adv.detach() + alpha * g.sign(), x - PGD_EPS), x + PGD_EPS).clamp(0, 1)
        self.update(F.cross_entropy(self.model(adv), y))

    def run(self, mode, n):
        fn = {
            "forward": self.forward,
            "input-gradient": self.input_gradient,
            "train": self.train,
            "exact-penalty": self.exact_penalty,
            "fd-penalty": lambda x, y: self.fd_penalty(x, y, 2),
            "fd-penalty-1dir": lambda x, y: self.fd_penalty(x, y, 1),
            "pgd7": self.pgd7,
        }.get(mode)
        if fn is None:
            raise ValueError("unknown mode %r, expected one of %s" % (mode, MODES))
        times = []
        for _ in range(n):
            x, y = self.batch()
            t0 = time.perf_counter()
            fn(x, y)
            if DEVICE != "cpu":
                torch.cuda.synchronize()
            times.append((time.perf_counter() - t0) * 1000.0)
        return times


def info(args, source):
    return {
        "torch": torch.__version__,
        "python": sys.executable,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "cpu_capability": capability(),
        "data": source,
        "batch": args.batch,
        "device": DEVICE if DEVICE == "cpu" else "%s (%s)" % (DEVICE, torch.cuda.get_device_name()),
    }


def capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--modes", default="all", help="comma-separated list of %s, or all" % ", ".join(MODES))
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--batches", type=int, default=8, help="distinct batches cycled through")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--serve", action="store_true")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = p.parse_args()
    if args.threads < 1 or args.batch < 1 or args.warmup < 0 or args.steps < 1:
        fail("threads, batch and steps must be >= 1 and warmup >= 0")
    torch.set_num_threads(args.threads)
    if args.device == "cuda":
        if not torch.cuda.is_available():
            fail("--device cuda: torch.cuda.is_available() is False")
        # float32 math as LipReg's cuda backend (cuDNN FMA math, no TF32 tensor cores)
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        global DEVICE
        DEVICE = "cuda"
    batches, source = load_batches(args.data, args.batch, args.batches, args.seed)
    steps = Steps(batches, args.seed)
    if args.serve:
        serve(steps, info(args, source))
        return
    modes = MODES if args.modes == "all" else [m.strip() for m in args.modes.split(",") if m.strip()]
    results = {}
    for mode in modes:
        if mode not in MODES:
            fail("unknown mode %r, expected one of %s" % (mode, MODES))
        steps.run(mode, args.warmup)
        results[mode] = {"ms": steps.run(mode, args.steps)}
    print(json.dumps({"info": info(args, source), "results": results}), flush=True)


def serve(steps, about):
    print(json.dumps({"ready": True, "info": about}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            what = cmd.get("cmd")
            if what == "quit":
                break
            if what == "info":
                reply = {"info": about}
            elif what == "run":
                reply = {"mode": cmd["mode"], "ms": steps.run(cmd["mode"], int(cmd.get("n", 1)))}
            else:
                reply = {"error": "unknown command %r" % what}
        except Exception as e:  # noqa: BLE001 - report and keep serving
            reply = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
