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
from typing import List

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


def load_batches(data_dir, batch, count, seed, shape=(1, 28, 28)):
    """`count` consecutive training batches: real Fashion-MNIST when present (and the shape is its), else seeded noise."""
    images = find(data_dir, "train-images-idx3-ubyte") if data_dir and tuple(shape) == (1, 28, 28) else None
    labels = find(data_dir, "train-labels-idx1-ubyte") if data_dir else None
    need = batch * count
    if images and labels:
        x = read_idx(images)[:need].astype(np.float32) / np.float32(255)
        y = read_idx(labels)[:need].astype(np.int64)
        if len(x) == need:
            source = "fashion-mnist train[0:%d]" % need
            return batches_of(x.reshape(-1, 1, 28, 28), y, batch), source
    rng = np.random.default_rng(seed)
    x = rng.random((need,) + tuple(shape), dtype=np.float32)
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


class ResidualBlock(nn.Module):
    """LipReg's ResidualBlock: conv3x3-BN-ReLU-conv3x3-BN (grouped for ResNeXt) + shortcut, ReLU;
    parameters registered in LipReg's order (conv1, bn1, conv2, bn2, shortcut.0, shortcut.1)."""

    def __init__(self, cin, cout, stride, groups):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + self.shortcut(x))


def resnet(channels, width, blocks, groups, classes=10):
    """LipReg's Presets.resnet: stem conv3x3 (no bias), BN, ReLU, stages of residual blocks, pool, linear."""
    layers = [nn.Conv2d(channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage, count in enumerate(blocks):
        cout = width << stage
        for b in range(count):
            layers.append(ResidualBlock(cin, cout, 2 if b == 0 and stage > 0 else 1, groups))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


# name -> (builder, image shape [C,H,W]); LipReg's Presets of the same names
MODELS = {
    "fashion-cnn": (fashion_cnn, (1, 28, 28)),
    "resnet-small": (lambda: resnet(3, 16, [1, 1, 1], 1), (3, 32, 32)),
    "resnext34-2x32": (lambda: resnet(3, 64, [3, 4, 6, 3], 2), (3, 32, 32)),
}


class Steps:
    def __init__(self, batches, seed, model="fashion-cnn"):
        torch.manual_seed(seed)
        self.model = MODELS[model][0]().to(DEVICE)
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

    def exact_objective(self, x, y):
        x = x.clone().requires_grad_(True)
        per = F.cross_entropy(self.model(x), y, reduction="none")
        g, = torch.autograd.grad(per.sum(), x, create_graph=True)
        g = g.flatten(1)
        return per.mean() + LAMBDA * g.norm(2, dim=1).max() + EPSILON_TV * g.abs().sum(1).mean()

    def exact_penalty(self, x, y):
        self.update(self.exact_objective(x, y))

    def check(self, path, out):
        """Loads parameters, x and y from `path` (see read_check), writes the exact objective's
        parameter gradient to `out` (float32, parameter order) and returns the objective."""
        params = list(self.model.parameters())
        values, x, y = read_check(path, params, self.batches[0][0].shape)
        with torch.no_grad():
            for p, v in zip(params, values):
                p.copy_(v)
        total = self.exact_objective(x.to(DEVICE), y.to(DEVICE))
        grads = torch.autograd.grad(total, params)
        np.concatenate([g.detach().cpu().numpy().ravel() for g in grads]).astype("<f4").tofile(out)
        return float(total)

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


def peak_rss_kib(reset):
    """VmHWM of this process in KiB after (optionally) resetting it with clear_refs 5; -1 without /proc."""
    try:
        if reset:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def per_op_us(reps):
    """Microseconds per tiny eager op from Python (1-element add): the interpreter's per-op cost."""
    a, b = torch.ones(1), torch.ones(1)
    for _ in range(reps // 10):
        torch.add(a, b)
    t0 = time.perf_counter()
    for _ in range(reps):
        torch.add(a, b)
    return (time.perf_counter() - t0) * 1e6 / reps


def read_check(path, params, x_shape):
    """The check file Compare writes: float32 little-endian, every parameter in order, then x, then y (as floats)."""
    flat = torch.from_numpy(np.fromfile(path, dtype="<f4"))
    values, at = [], 0
    for p in params:
        values.append(flat[at:at + p.numel()].view(p.shape))
        at += p.numel()
    n = int(np.prod(x_shape))
    x = flat[at:at + n].view(x_shape).clone()
    y = flat[at + n:at + n + x_shape[0]].round().long()
    if at + n + x_shape[0] != flat.numel():
        raise ValueError("check file %s holds %d floats, expected %d" % (path, flat.numel(), at + n + x_shape[0]))
    return values, x, y


class ScriptSteps(nn.Module):
    """The same steps as Steps, as one TorchScript module for libtorch (loaded by LipReg's DJL peer):
    each step is one call into libtorch, so what is timed is libtorch, not the JNI per op.
    torch.autograd.grad(create_graph=True) is aten's; SGD with momentum is written out
    (torch.optim is not scriptable) as torch.optim.SGD computes it."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        # the parameters in order (parameters() is a generator TorchScript cannot compile);
        # the list aliases them, also after torch.jit.save/load
        self.plist = [p for p in model.parameters()]
        self.buffers_ = [torch.zeros_like(p) for p in model.parameters()]
        # the module-level constants as attributes (TorchScript does not close over globals)
        self.lam, self.eps_tv, self.h = LAMBDA, EPSILON_TV, FD_H
        self.pgd_eps, self.pgd_steps = PGD_EPS, PGD_STEPS
        self.lr, self.momentum = LR, MOMENTUM

    def forward(self, x):
        return self.model(x)

    @torch.jit.export
    def params(self) -> List[torch.Tensor]:
        return self.plist

    def sgd(self, total: torch.Tensor):
        params = self.params()
        grads = torch.autograd.grad([total], params)
        with torch.no_grad():
            for i in range(len(params)):
                g = grads[i]
                assert g is not None
                buf = self.buffers_[i]
                buf.mul_(self.momentum).add_(g)
                params[i].sub_(self.lr * buf)

    def ce(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self.model(x), y, reduction="none")

    def input_grad(self, x: torch.Tensor, y: torch.Tensor, create_graph: bool) -> List[torch.Tensor]:
        x = x.detach().clone().requires_grad_(True)
        per = self.ce(x, y)
        g = torch.autograd.grad([per.sum()], [x], create_graph=create_graph, retain_graph=True)[0]
        assert g is not None
        return [per, g]

    @torch.jit.export
    def exact_objective(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        per, g = self.input_grad(x, y, True)
        g = g.flatten(1)
        return per.mean() + self.lam * g.norm(2, dim=1).max() + self.eps_tv * g.abs().sum(1).mean()

    def fd(self, x: torch.Tensor, y: torch.Tensor, directions: int) -> torch.Tensor:
        per, g = self.input_grad(x, y, False)
        g = g.detach()
        x = x.detach()
        norm2 = g.flatten(1).norm(2, dim=1).view(-1, 1, 1, 1)
        d2 = g / (norm2 + (norm2 == 0).to(torch.float32))
        shifted2 = self.ce(x + self.h * d2, y)
        total = per.mean() + self.lam * ((shifted2 - per) / self.h).max()
        if directions == 2:
            root = math.sqrt(g[0].numel())
            d1 = torch.sign(g) / root
            shifted1 = self.ce(x + self.h * d1, y)
            total = total + self.eps_tv * ((shifted1 - per) / self.h * root).mean()
        return total

    def pgd(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        alpha = 2.5 * self.pgd_eps / self.pgd_steps
        adv = (x + torch.empty_like(x).uniform_(-self.pgd_eps, self.pgd_eps)).clamp(0, 1)
        for _ in range(self.pgd_steps):
            adv = adv.detach().requires_grad_(True)
            g = torch.autograd.grad([self.ce(adv, y).sum()], [adv])[0]
            assert g is not None
            adv = torch.min(torch.max(adv.detach() + alpha * g.sign(), x - self.pgd_eps), x + self.pgd_eps).clamp(0, 1)
        return adv.detach()

    @torch.jit.export
    def step(self, mode: str, x: torch.Tensor, y: torch.Tensor):
        if mode == "forward":
            with torch.no_grad():
                self.model(x)
        elif mode == "input-gradient":
            self.input_grad(x, y, False)
        elif mode == "train":
            self.sgd(self.ce(x, y).mean())
        elif mode == "exact-penalty":
            self.sgd(self.exact_objective(x, y))
        elif mode == "fd-penalty":
            self.sgd(self.fd(x, y, 2))
        elif mode == "fd-penalty-1dir":
            self.sgd(self.fd(x, y, 1))
        elif mode == "pgd7":
            self.sgd(self.ce(self.pgd(x, y), y).mean())
        else:
            raise ValueError("unknown mode " + mode)

    @torch.jit.export
    def check(self, values: List[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> List[torch.Tensor]:
        """Loads `values` into the parameters; [objective] + its parameter gradient."""
        params = self.params()
        with torch.no_grad():
            for i in range(len(params)):
                params[i].copy_(values[i])
        total = self.exact_objective(x, y)
        out = [total.detach()]
        for g in torch.autograd.grad([total], params):
            assert g is not None
            out.append(g)
        return out


def script(model_name, seed, path):
    """Writes the TorchScript ScriptSteps of `model_name` (seeded init) to `path`."""
    torch.manual_seed(seed)
    torch.jit.script(ScriptSteps(MODELS[model_name][0]())).save(path)


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
        "model": args.model,
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
    p.add_argument("--model", default="fashion-cnn", choices=sorted(MODELS))
    p.add_argument("--script", metavar="OUT.pt", help="write the TorchScript steps module for libtorch and exit")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = p.parse_args()
    if args.threads < 1 or args.batch < 1 or args.warmup < 0 or args.steps < 1:
        fail("threads, batch and steps must be >= 1 and warmup >= 0")
    torch.set_num_threads(args.threads)
    if args.script:
        script(args.model, args.seed, args.script)
        print(json.dumps({"script": args.script, "torch": torch.__version__}), flush=True)
        return
    if args.device == "cuda":
        if not torch.cuda.is_available():
            fail("--device cuda: torch.cuda.is_available() is False")
        # float32 math as LipReg's cuda backend (cuDNN FMA math, no TF32 tensor cores)
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        global DEVICE
        DEVICE = "cuda"
    batches, source = load_batches(args.data, args.batch, args.batches, args.seed, MODELS[args.model][1])
    steps = Steps(batches, args.seed, args.model)
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
            elif what == "peak":
                reply = {"kib": peak_rss_kib(bool(cmd.get("reset")))}
            elif what == "per-op":
                reply = {"us": per_op_us(int(cmd.get("reps", 20000)))}
            elif what == "check":
                reply = {"objective": steps.check(cmd["file"], cmd["out"])}
            elif what == "run":
                reply = {"mode": cmd["mode"], "ms": steps.run(cmd["mode"], int(cmd.get("n", 1)))}
            else:
                reply = {"error": "unknown command %r" % what}
        except Exception as e:  # noqa: BLE001 - report and keep serving
            reply = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
