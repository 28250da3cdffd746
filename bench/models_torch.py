"""The notebook's models as equivalent PyTorch CPU modules (peer of pyfapi in compare_models.py).

Same layers, sizes and parameter counts as the Keras-API models of :mod:`models_pyfapi`; module
attributes carry the Keras layer names so pyfapi's initial weights are copied in by name
(:func:`copy_keras_weights`: Dense kernel transposed; Conv1D (k, in, out) -> (out, in, k);
Conv2D (kh, kw, in, out) -> (out, in, kh, kw); LSTM kernel/recurrent kernel transposed, bias into
``bias_ih`` and ``bias_hh = 0`` -- Keras's gate order i, f, c, o is PyTorch's i, f, g, o).
Xception gets shapes-equal random weights (no copy).

Idiomatic PyTorch: 2-D convolution models run in ``torch.channels_last`` memory format (PyTorch's
recommended CPU/oneDNN layout; measured 1.6x faster than NCHW on the Xception forward here, and the
NHWC input buffers are used without a copy), the Conv1D stack transposes the embedding output inside forward (as a PyTorch user
would), classification heads return logits and the losses take logits (``cross_entropy`` with
probability targets, ``binary_cross_entropy_with_logits``) -- the same math as Keras's
softmax/sigmoid + cross-entropy. ``infer`` applies the final softmax/sigmoid so the outputs match.

Train step: ``zero_grad(set_to_none=True)``, forward, loss, ``backward``, ``RMSprop.step`` with
Keras's defaults (lr 1e-3, alpha=rho 0.9, eps 1e-7). Inference under ``torch.inference_mode`` in
``eval()`` mode.
"""
from __future__ import annotations

import numpy as np

NAME = "torch"


def setup(threads):
    import torch
    torch.set_num_threads(int(threads))
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (interop pool started)
        pass
    return torch


def version():
    import torch

    from models_pyfapi import bench_policy
    amp = " autocast bfloat16" if bench_policy() == "mixed_bfloat16" else ""
    return f"torch {torch.__version__} (threads {torch.get_num_threads()}, " \
           f"interop {torch.get_num_interop_threads()}){amp}"


def available(name):
    return True, ""


def _modules():
    import torch
    from torch import nn
    import torch.nn.functional as F

    class MLP(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.dense = nn.Linear(64, 32)
            self.dense_1 = nn.Linear(32, 32)
            self.dense_2 = nn.Linear(32, 10)

        def forward(self, x):
            return self.dense_2(F.relu(self.dense_1(F.relu(self.dense(x)))))

        def loss(self, out, y):
            return F.cross_entropy(out, y[0])

        def final(self, out):
            return torch.softmax(out, -1)

    class QA(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.embedding = nn.Embedding(cfg["text_vocab"], 64)
            self.lstm = nn.LSTM(64, 32, batch_first=True)
            self.embedding_1 = nn.Embedding(cfg["question_vocab"], 32)
            self.lstm_1 = nn.LSTM(32, 16, batch_first=True)
            self.dense = nn.Linear(48, cfg["answers"])

        def forward(self, text, question):
            _, (ht, _) = self.lstm(self.embedding(text))
            _, (hq, _) = self.lstm_1(self.embedding_1(question))
            return self.dense(torch.cat([ht[-1], hq[-1]], dim=-1))

        def loss(self, out, y):
            return F.cross_entropy(out, y[0])

        def final(self, out):
            return torch.softmax(out, -1)

    class Posts(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.embedding = nn.Embedding(cfg["vocab"], 256)
            self.conv1d = nn.Conv1d(256, 128, 5)
            self.conv1d_1 = nn.Conv1d(128, 256, 5)
            self.conv1d_2 = nn.Conv1d(256, 256, 5)
            self.conv1d_3 = nn.Conv1d(256, 256, 5)
            self.conv1d_4 = nn.Conv1d(256, 256, 5)
            self.dense = nn.Linear(256, 128)
            self.age = nn.Linear(128, 1)
            self.income = nn.Linear(128, cfg["income"])
            self.gender = nn.Linear(128, 1)

        def forward(self, ids):
            x = self.embedding(ids).transpose(1, 2)  # (N, 256, L)
            x = F.max_pool1d(F.relu(self.conv1d(x)), 5)
            x = F.relu(self.conv1d_2(F.relu(self.conv1d_1(x))))
            x = F.max_pool1d(x, 5)
            x = F.relu(self.conv1d_4(F.relu(self.conv1d_3(x))))
            x = F.relu(self.dense(x.amax(dim=2)))
            return self.age(x), self.income(x), self.gender(x)

        def loss(self, out, y):
            age, income, gender = out
            return (0.25 * F.mse_loss(age, y[0]) + F.cross_entropy(income, y[1])
                    + 10.0 * F.binary_cross_entropy_with_logits(gender, y[2]))

        def final(self, out):
            return out[0], torch.softmax(out[1], -1), torch.sigmoid(out[2])

    class Residual(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            c = cfg["channels"]
            self.conv2d = nn.Conv2d(c, c, 3, padding=1)
            self.conv2d_1 = nn.Conv2d(c, c, 3, padding=1)
            self.conv2d_2 = nn.Conv2d(c, c, 3, padding=1)

        def forward(self, x):
            y = F.relu(self.conv2d(x))
            y = F.relu(self.conv2d_1(y))
            y = F.relu(self.conv2d_2(y))
            return y + x

        def loss(self, out, y):
            return F.mse_loss(out, y[0])

        def final(self, out):
            return out

    class SharedLSTM(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.lstm = nn.LSTM(cfg["features"], 32, batch_first=True)
            self.dense = nn.Linear(64, 1)

        def forward(self, left, right):
            _, (hl, _) = self.lstm(left)
            _, (hr, _) = self.lstm(right)
            return self.dense(torch.cat([hl[-1], hr[-1]], dim=-1))

        def loss(self, out, y):
            return F.binary_cross_entropy_with_logits(out, y[0])

        def final(self, out):
            return torch.sigmoid(out)

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    class SepConv(nn.Sequential):
        """Keras SeparableConv2D(out, 3, padding='same', use_bias=False)."""

        def __init__(self, cin, cout):
            super().__init__(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
                             nn.Conv2d(cin, cout, 1, bias=False))

    class Xception(nn.Module):
        """keras.applications.Xception(include_top=False) in PyTorch (channels-first)."""

        def __init__(self, cfg):
            super().__init__()
            R = nn.ReLU
            self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, stride=2, bias=False), bn(32), R(),
                                      nn.Conv2d(32, 64, 3, bias=False), bn(64), R())
            self.entry = nn.ModuleList()
            self.entry_res = nn.ModuleList()
            cin = 64
            for i, c in enumerate((128, 256, 728)):
                first = [] if i == 0 else [R()]
                self.entry.append(nn.Sequential(*first, SepConv(cin, c), bn(c), R(),
                                                SepConv(c, c), bn(c),
                                                nn.MaxPool2d(3, 2, padding=1)))
                self.entry_res.append(nn.Sequential(nn.Conv2d(cin, c, 1, stride=2, bias=False),
                                                    bn(c)))
                cin = c
            self.middle = nn.ModuleList(
                nn.Sequential(R(), SepConv(728, 728), bn(728), R(), SepConv(728, 728), bn(728),
                              R(), SepConv(728, 728), bn(728)) for _ in range(8))
            self.exit_res = nn.Sequential(nn.Conv2d(728, 1024, 1, stride=2, bias=False), bn(1024))
            self.exit = nn.Sequential(R(), SepConv(728, 728), bn(728), R(), SepConv(728, 1024),
                                      bn(1024), nn.MaxPool2d(3, 2, padding=1))
            self.head = nn.Sequential(SepConv(1024, 1536), bn(1536), R(),
                                      SepConv(1536, 2048), bn(2048), R())

        def forward(self, x):
            x = self.stem(x)
            for block, res in zip(self.entry, self.entry_res):
                x = block(x) + res(x)
            for block in self.middle:
                x = block(x) + x
            x = self.exit(x) + self.exit_res(x)
            return self.head(x)

        def final(self, out):
            return out

    return {"mlp": MLP, "mlp_b1": MLP, "qa": QA, "posts": Posts, "residual": Residual,
            "shared_lstm": SharedLSTM, "xception": Xception}


def copy_keras_weights(module, weights):
    """Copy Keras-layout weights ``{layer name: [arrays]}`` into the same-named submodules."""
    import torch
    from torch import nn

    def put(param, array):
        t = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
        if tuple(param.shape) != tuple(t.shape):
            raise ValueError(f"shape mismatch: torch {tuple(param.shape)} vs {tuple(t.shape)}")
        param.copy_(t)

    with torch.no_grad():
        for lname, arrays in weights.items():
            m = getattr(module, lname, None)
            if m is None:
                raise ValueError(f"torch model has no module for Keras layer {lname!r}")
            if isinstance(m, nn.Linear):
                put(m.weight, arrays[0].T)
                put(m.bias, arrays[1])
            elif isinstance(m, nn.Embedding):
                put(m.weight, arrays[0])
            elif isinstance(m, nn.LSTM):
                put(m.weight_ih_l0, arrays[0].T)
                put(m.weight_hh_l0, arrays[1].T)
                put(m.bias_ih_l0, arrays[2])
                m.bias_hh_l0.zero_()
            elif isinstance(m, nn.Conv1d):
                put(m.weight, arrays[0].transpose(2, 1, 0))
                put(m.bias, arrays[1])
            elif isinstance(m, nn.Conv2d):
                put(m.weight, arrays[0].transpose(3, 2, 0, 1))
                put(m.bias, arrays[1])
            else:
                raise ValueError(f"no weight conversion for {type(m).__name__} ({lname!r})")


class TorchRunner:
    def __init__(self, name, cfg, xs, ys, weights=None):
        import torch
        self.torch = torch
        self.model = _modules()[name](cfg)
        if weights and name != "xception":
            copy_keras_weights(self.model, weights)
        conv = name in ("residual", "xception")
        if conv:
            self.model = self.model.to(memory_format=torch.channels_last)

        def tensor(a):
            t = torch.from_numpy(a)
            if conv:  # NHWC buffer seen as NCHW in channels_last memory format: no copy
                t = t.permute(0, 3, 1, 2)
            return t.long() if a.dtype.kind in "iu" else t

        self.x = [tensor(a) for a in xs]
        self.y = None
        if ys is not None:
            self.y = [tensor(a) for a in ys]
            self.opt = torch.optim.RMSprop(self.model.parameters(), lr=1e-3, alpha=0.9,
                                           eps=1e-7)

    def _autocast(self):
        """``torch.autocast("cpu", torch.bfloat16)`` under ``--policy mixed_bfloat16``."""
        import contextlib

        from models_pyfapi import bench_policy
        if bench_policy() == "mixed_bfloat16":
            return self.torch.autocast("cpu", dtype=self.torch.bfloat16)
        return contextlib.nullcontext()

    def train_step(self):
        self.model.train()
        self.opt.zero_grad(set_to_none=True)
        with self._autocast():
            loss = self.model.loss(self.model(*self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def infer(self):
        self.model.eval()
        with self.torch.inference_mode(), self._autocast():
            return self.model.final(self.model(*self.x))

    def num_params(self):
        return sum(p.numel() for p in self.model.parameters())


def make_runner(name, cfg, xs, ys, weights=None):
    return TorchRunner(name, cfg, xs, ys, weights)
