#!/usr/bin/python3
"""The classifier's training step written in PyTorch, for bench_train_step to compare with the C++ step.

Same network (3D ResNet-18: conv 7x7x7 stride (1,2,2), max-pool, basic blocks 2-2-2-2, 1x1 projection shortcuts),
same step (forward with the layer4 activation kept, Grad-CAM of the positives for their true class with
torch.autograd.grad, create_graph only with --cam-weights differentiable, trilinear upsampling with
align_corners=True, DUE loss: cross-entropy + binary + continuous terms, backward, Adam 1e-3).
Prints one line: samples_per_s=X peak_rss_mb=Y. Needs Debian's python3-torch (apt-get install python3-torch),
the same version as libtorch-dev; run with /usr/bin/python3.
"""
import argparse
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv(cin, cout, kernel, stride, padding):
    return nn.Conv3d(cin, cout, kernel, stride=stride, padding=padding, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.residual = nn.Sequential(conv(cin, cout, 3, stride, 1), nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
                                      conv(cout, cout, 3, 1, 1), nn.BatchNorm3d(cout))
        self.shortcut = (nn.Sequential(conv(cin, cout, 1, stride, 0), nn.BatchNorm3d(cout))
                         if stride != 1 or cin != cout else None)

    def forward(self, x):
        out = self.residual(x) + (x if self.shortcut is None else self.shortcut(x))
        return torch.relu_(out)


class ResNet18(nn.Module):
    def __init__(self, width, classes=2):
        super().__init__()
        self.stem = nn.Sequential(conv(1, width, 7, (1, 2, 2), 3), nn.BatchNorm3d(width), nn.ReLU(inplace=True),
                                  nn.MaxPool3d(3, stride=2, padding=1))
        blocks, channels = [], width
        for layer in range(4):
            out = width << layer
            for block in range(2):
                blocks.append(BasicBlock(channels, out, 2 if block == 0 and layer > 0 else 1))
                channels = out
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(channels, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.fc(x.mean((2, 3, 4))), x


def min_max(maps):
    low = maps.amin((1, 2, 3), keepdim=True)
    high = maps.amax((1, 2, 3), keepdim=True)
    return (maps - low) / (high - low + 1e-6)


def step(model, optimizer, x, labels, positives, human, imputed, weight, differentiable):
    optimizer.zero_grad()
    logits, activation = model(x)
    scores = logits.gather(1, labels[:, None])[:, 0][positives]
    gradients, = torch.autograd.grad(scores.sum(), activation, retain_graph=True,
                                     create_graph=differentiable)
    a, g = activation[positives], gradients[positives]
    alpha = g.mean((2, 3, 4), keepdim=True)
    cam = torch.relu((alpha * a).sum(1, keepdim=True))
    cam = min_max(F.interpolate(cam, size=x.shape[2:], mode="trilinear", align_corners=True)[:, 0])
    foreground = (human > 0.5).float()
    binary = (weight * (torch.tanh(5 * (cam - 0.5)) - human).abs() * foreground).sum((1, 2, 3)) \
        / foreground.sum((1, 2, 3)).clamp_min(1)
    continuous = (weight * (cam - imputed).abs()).mean((1, 2, 3))
    loss = F.cross_entropy(logits, labels) + (binary + continuous).mean()
    loss.backward()
    optimizer.step()
    return loss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, required=True)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--channels", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--cam-weights", choices=["constant", "differentiable"], default="constant")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = ResNet18(args.channels)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    shape = (args.depth, args.height, args.width)
    x = torch.rand((args.batch, 1) + shape)
    labels = torch.arange(args.batch) % 2
    positives = torch.nonzero(labels == 1)[:, 0]
    p = positives.numel()
    human = (torch.rand((p,) + shape) > 0.8).float()
    imputed = torch.rand((p,) + shape)
    weight = torch.rand((p,) + shape)
    differentiable = args.cam_weights == "differentiable"
    for _ in range(args.warmup):
        step(model, optimizer, x, labels, positives, human, imputed, weight, differentiable)
    start = time.perf_counter()
    for _ in range(args.steps):
        step(model, optimizer, x, labels, positives, human, imputed, weight, differentiable)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"samples_per_s={args.batch * args.steps / seconds:.6f} peak_rss_mb={peak_mb:.1f}")


if __name__ == "__main__":
    main()
