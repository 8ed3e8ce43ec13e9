"""Exports PyTorch models to ONNX and writes PyTorch's reference values for them.

Usage: /usr/bin/python3 torch_models.py OUT_DIR MODEL...   (needs Debian's python3-torch)

For each MODEL it writes OUT_DIR/MODEL.onnx (torch.onnx.export, eval mode, dynamic batch,
initializers named by the state_dict) and OUT_DIR/MODEL.safetensors holding, in float64:
  x       a batch of inputs (float32 values)      y        int64 labels
  logits  the model's output before any softmax
  gx      dL/dx for L = sum of per-example cross-entropies
  penalty P = sum(gx^2) / batch (the squared-L2 input-gradient penalty)
  grad.NAME  dP/dNAME for every parameter (double backprop)
The LipReg test suite runs this at test time, and `make onnx-fixtures` with the tiny_* models
writes the committed fixtures in onnx/src/test/resources/dev/lipreg/onnx/.
"""
import json, os, struct, sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def save(path, tensors):
    header, chunks, off = {}, [], 0
    codes = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64'}
    for k, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[k] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(data)]}
        chunks.append(data)
        off += len(data)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


class FashionCnn(nn.Module):
    """LipReg's fashion-cnn preset, flattened with x.view(x.size(0), -1) (a shape subgraph in ONNX)."""

    def __init__(self, c=1, size=28, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (size // 4) ** 2, 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, cin, cout, stride, groups=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


class ResNetSmall(nn.Module):
    """LipReg's resnet-small preset (ResNet-8: stages 16, 32, 64)."""

    def __init__(self, c=1, classes=10, width=16, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(c, width, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        self.layer1 = Block(width, width, 1, groups)
        self.layer2 = Block(width, 2 * width, 2, groups)
        self.layer3 = Block(2 * width, 4 * width, 2, groups)
        self.fc = nn.Linear(4 * width, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class ResNeXtBlock(nn.Module):
    """A ResNeXt bottleneck (1x1, grouped 3x3 with cardinality 4, 1x1) with a projection shortcut."""

    def __init__(self, c=1, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(c, 16, 3, padding=1)
        self.conv1 = nn.Conv2d(16, 32, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 32, 3, 2, 1, groups=4, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.conv3 = nn.Conv2d(32, 64, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.proj = nn.Conv2d(16, 64, 1, 2, bias=False)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.stem(x))
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        h = F.relu(h + self.proj(x))
        return self.fc(h.mean(dim=(2, 3)))


class Mlp(nn.Module):
    def __init__(self, c=1, size=28, classes=10):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(c * size * size, 64), nn.Tanh(), nn.Linear(64, 64), nn.ELU(),
                                 nn.Linear(64, 32), nn.Softplus(), nn.Linear(32, classes))

    def forward(self, x):
        return self.net(x)


class Mixed(nn.Module):
    """BatchNorm, AvgPool (padded, count_include_pad False), LeakyReLU, Sigmoid, ReLU6 (Clip), Dropout, Softmax."""

    def __init__(self, c=1, size=28, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(c, 8, 5, stride=1, padding=2), nn.BatchNorm2d(8), nn.LeakyReLU(0.1),
            nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
            nn.Conv2d(8, 16, 3, dilation=2, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(2), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU6(), nn.Dropout(0.3))
        self.head = nn.Linear(16 * (size // 4) ** 2, classes)

    def forward(self, x):
        return F.softmax(self.head(torch.flatten(self.features(x), 1)), dim=1)


class GraphOps(nn.Module):
    """Normalisation inside the graph (Sub/Div by constants), Concat, Transpose, MatMul on rank 4, ReduceMean,
    Unsqueeze/Squeeze, Mul by a constant."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv_a = nn.Conv2d(1, 4, 3, padding=1)
        self.conv_b = nn.Conv2d(1, 4, 5, padding=2)
        self.w = nn.Parameter(torch.randn(8, 6) * 0.3)
        self.fc = nn.Linear(6, classes)

    def forward(self, x):
        x = (x - 0.2860) / 0.3530
        h = torch.cat([F.relu(self.conv_a(x)), torch.tanh(self.conv_b(x))], dim=1)
        h = F.max_pool2d(h, 4).permute(0, 2, 3, 1)
        h = torch.matmul(h, self.w).mean(dim=(1, 2))
        return self.fc(h.unsqueeze(1).squeeze(1) * 2.0)


class TinyCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(x.view(x.size(0), -1))


class NormalizedCnn(nn.Module):
    """torchvision-style normalization inside the model ((x - mean) / std with [1,C,1,1] buffers), then a small CNN."""

    def __init__(self, classes=10):
        super().__init__()
        self.register_buffer('mean', torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor([0.247, 0.243, 0.261]).view(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, classes)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(torch.flatten(x, 1))


class TinyMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return F.log_softmax(self.fc2(torch.tanh(self.fc1(x))), dim=1)


def fashion_mnist(split, limit):
    """Real Fashion-MNIST from Debian's dataset-fashion-mnist as LipReg feeds it: [N,1,28,28] pixel/255, int64 labels."""
    import gzip
    d = os.environ.get('FASHION_DIR', '/usr/share/datasets/fashion-mnist')
    with gzip.open(os.path.join(d, split + '-images-idx3-ubyte.gz')) as f:
        images = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8)
    with gzip.open(os.path.join(d, split + '-labels-idx1-ubyte.gz')) as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8)
    x = images.reshape(-1, 1, 28, 28)[:limit].float() / 255
    return x, labels[:limit].long()


def trained_fashion_cnn():
    """fashion-cnn trained by PyTorch (Adam, 120 steps of 32 real Fashion-MNIST images)."""
    torch.manual_seed(0)
    model = FashionCnn()
    x, y = fashion_mnist("train", 120 * 32)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for step in range(120):
        xb, yb = x[step * 32:(step + 1) * 32], y[step * 32:(step + 1) * 32]
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
    return model


# name -> (constructor, input shape without batch, classes, opset)
MODELS = {
    'fashion_cnn': (lambda: FashionCnn(), (1, 28, 28), 10, 17),
    'resnet_small': (lambda: ResNetSmall(), (1, 28, 28), 10, 13),
    'resnext_block': (lambda: ResNeXtBlock(), (1, 28, 28), 10, 17),
    'mlp': (lambda: Mlp(), (1, 28, 28), 10, 11),
    'mixed': (lambda: Mixed(), (1, 28, 28), 10, 15),
    'graph_ops': (lambda: GraphOps(), (1, 28, 28), 10, 12),
    'fashion_cnn_trained': (trained_fashion_cnn, (1, 28, 28), 10, 17),
    'tiny_cnn': (lambda: TinyCnn(), (1, 8, 8), 3, 17),
    'tiny_mlp': (lambda: TinyMlp(), (6,), 3, 13),
    'normalized_cnn': (lambda: NormalizedCnn(), (3, 8, 8), 10, 17),
}


def randomize_batch_norms(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def export(name, out):
    make, shape, classes, opset = MODELS[name]
    torch.manual_seed(20 + len(name))
    gen = torch.Generator().manual_seed(7)
    model = make().eval()
    with torch.no_grad():
        randomize_batch_norms(model, gen)
    batch = 4
    x = torch.rand((batch,) + shape, generator=gen)
    y = torch.randint(0, classes, (batch,), generator=gen)
    path = os.path.join(out, name + '.onnx')
    torch.onnx.export(model, (x,), path, input_names=['input'], output_names=['output'], opset_version=opset,
                      dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)

    # References in float64 from the same float32 weights; a final (log-)softmax is dropped (LipReg imports logits).
    m64 = FashionCnn() if name == 'fashion_cnn_trained' else make()
    m64.load_state_dict(model.state_dict())
    m64 = m64.double().eval()
    xd = x.double().requires_grad_(True)
    logits = logits_of(m64, xd)
    loss = F.cross_entropy(logits, y, reduction='sum')
    gx, = torch.autograd.grad(loss, xd, create_graph=True)
    penalty = gx.pow(2).sum() / batch
    params = dict(m64.named_parameters())
    grads = torch.autograd.grad(penalty, list(params.values()), allow_unused=True)
    tensors = {'x': x.double(), 'y': y, 'logits': logits, 'gx': gx, 'penalty': penalty.reshape(1)}
    for (k, _), g in zip(params.items(), grads):
        tensors['grad.' + k] = g if g is not None else torch.zeros_like(params[k])
    save(os.path.join(out, name + '.safetensors'), tensors)


def logits_of(model, x):
    """The model's output with a final softmax/log-softmax undone (these models apply one only at the end)."""
    if isinstance(model, Mixed):
        return model.head(torch.flatten(model.features(x), 1))
    if isinstance(model, TinyMlp):
        return model.fc2(torch.tanh(model.fc1(x)))
    return model(x)


if __name__ == '__main__':
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for n in sys.argv[2:]:
        export(n, out_dir)
        print('wrote', os.path.join(out_dir, n + '.onnx'))
