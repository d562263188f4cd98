"""Shapes and parameter counts of practice questions agree with torch modules built from the same definitions.

torchvision is not used: its wheel matching torch 2.13.0 is the CUDA build, so the reference
modules are built here from ``torch.nn`` (and assignment 04's torchvision-compatible ResNet blocks).
Shape checks run on the meta device: no memory, no arithmetic.
"""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

from grader.practice import architectures as arch
from grader.practice.layers import BatchNorm, Conv, Linear, MultiHead, Pool, Recurrent, params, receptive_field, trace, window_count
from grader.practice.templates import backprop, generate

META = torch.device("meta")


def to_torch(layer) -> nn.Module:
    if isinstance(layer, Conv):
        return nn.Conv2d(layer.cin, layer.cout, layer.k, layer.stride, layer.pad, layer.dilation, layer.groups, layer.bias, device=META)
    if isinstance(layer, Pool):
        cls = nn.MaxPool2d if layer.kind == "max" else nn.AvgPool2d
        return cls(layer.k, layer.stride or layer.k, layer.pad, ceil_mode=layer.ceil_mode)
    if isinstance(layer, Linear):
        return nn.Sequential(nn.Flatten(0), nn.Linear(layer.fin, layer.fout, layer.bias, device=META))
    if isinstance(layer, BatchNorm):
        return nn.BatchNorm2d(layer.c, device=META)
    raise TypeError(layer)


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_window_count_agrees_with_torch_conv_and_pool():
    rng = random.Random(0)
    for _ in range(300):
        n, k, s = rng.randint(1, 40), rng.randint(1, 7), rng.randint(1, 4)
        p, d = rng.randint(0, 3), rng.randint(1, 3)
        ours = window_count(n, k, s, p, d)
        x = torch.empty(1, 1, n, n, device=META)
        if ours < 1:
            with pytest.raises(RuntimeError):
                nn.functional.conv2d(x, torch.empty(1, 1, k, k, device=META), stride=s, padding=p, dilation=d)
            continue
        assert nn.functional.conv2d(x, torch.empty(1, 1, k, k, device=META), stride=s, padding=p, dilation=d).shape[-1] == ours
        pk = rng.randint(1, 5)
        pp, ceil = rng.randint(0, pk // 2), rng.random() < 0.5
        if n + 2 * pp >= pk:
            got = nn.functional.max_pool2d(torch.zeros(1, 1, n, n), pk, s, pp, ceil_mode=ceil).shape[-1]
            assert window_count(n, pk, s, pp, 1, ceil) == got, (n, pk, s, pp, ceil)


def test_window_count_and_receptive_field_agree_with_the_reference(solution):
    ref = solution("01_conv_arithmetic")
    rng = random.Random(1)
    for _ in range(500):
        n, k, s, p, d = rng.randint(1, 60), rng.randint(1, 7), rng.randint(1, 4), rng.randint(0, 3), rng.randint(1, 3)
        if window_count(n, k, s, p, d) >= 1:
            assert window_count(n, k, s, p, d) == ref.conv_output_size(n, k, s, p, d)
        pk = rng.randint(1, 5)
        pp, ceil = rng.randint(0, pk // 2), rng.random() < 0.5
        if n + 2 * pp >= pk:
            assert window_count(n, pk, s, pp, 1, ceil) == ref.pool_output_size(n, pk, s, pp, ceil)
        stack = [(rng.randint(1, 7), rng.randint(1, 3), rng.randint(1, 2)) for _ in range(rng.randint(1, 5))]
        assert receptive_field(stack) == ref.receptive_field(stack)


def test_receptive_field_agrees_with_torch_gradient():
    # The receptive field is where a gradient of one output reaches in the input.
    rng = random.Random(2)
    for _ in range(30):
        stack = [(rng.randint(1, 5), rng.randint(1, 2), rng.randint(1, 2)) for _ in range(rng.randint(1, 3))]
        size = receptive_field(stack) + 20
        x = torch.zeros(1, 1, size, requires_grad=True)
        y = x
        for k, s, d in stack:
            y = nn.functional.conv1d(y, torch.ones(1, 1, k), stride=s, dilation=d)
        y[0, 0, 0].backward()
        touched = torch.nonzero(x.grad[0, 0]).flatten()
        assert int(touched.max() - touched.min() + 1) == receptive_field(stack)


@pytest.mark.parametrize("name", sorted(arch.MODELS))
def test_classic_models_layer_by_layer(name):
    model = arch.MODELS[name]()
    x = torch.empty(model.input_shape, device=META)
    for layer, shape_in, shape_out in trace(list(model.layers), model.input_shape):
        assert tuple(x.shape) == shape_in
        module = to_torch(layer)
        x = module(x if not isinstance(layer, Pool) else x.unsqueeze(0)).squeeze(0) if isinstance(layer, Pool) else module(x)
        assert tuple(x.shape) == shape_out, layer.name
        assert n_params(module) == params(layer), layer.name


def test_famous_totals_are_derived_not_typed():
    # Published totals, as a cross-check of the definitions (not used by any question).
    totals = {name: sum(params(l) for l in f().layers) for name, f in arch.MODELS.items()}
    assert totals["alexnet"] == 62_378_344 and totals["vgg16"] == 138_357_544 and totals["lenet5"] == 61_706
    alex = trace(list(arch.alexnet().layers), (3, 227, 227))
    assert alex[0][2] == (96, 55, 55)


@pytest.mark.parametrize("reduce", [True, False])
def test_inception_modules(reduce):
    for mod in arch.INCEPTIONS:
        x = torch.empty(1, *mod.input_shape, device=META)
        outs, count = [], 0
        for branch in mod.branches(reduce):
            y = x
            for layer in branch:
                m = to_torch(layer)
                y = m(y)
                count += n_params(m)
            outs.append(y)
        cat = torch.cat(outs, dim=1)
        assert count == sum(params(l) for b in mod.branches(reduce) for l in b)
        ours = sum(trace(b, mod.input_shape)[-1][2][0] for b in mod.branches(reduce))
        assert cat.shape[1] == ours and cat.shape[2:] == x.shape[2:]
    # Table 1 of the paper lists these outputs; the with-reduction module must reproduce them.
    if reduce:
        assert [sum(trace(b, m.input_shape)[-1][2][0] for b in m.branches()) for m in arch.INCEPTIONS] == [256, 480, 512, 512, 512, 528, 832, 832, 1024]


def test_resnet_blocks_against_the_torchvision_compatible_modules(solution):
    ref = solution("04_normalization_residual")
    for block in arch.RESBLOCKS:
        cls = ref.BasicBlock if block.kind == "basic" else ref.Bottleneck
        module = cls(block.in_planes, block.planes, block.stride)
        ours = {l.name: params(l) for l in block.main() + block.shortcut()}
        theirs: dict[str, int] = {}
        for pname, p in module.named_parameters():
            theirs[pname.rsplit(".", 1)[0]] = theirs.get(pname.rsplit(".", 1)[0], 0) + p.numel()
        assert ours == theirs, block.name
        out = module.eval()(torch.zeros(1, block.in_planes, block.size, block.size))
        assert tuple(out.shape[1:]) == trace(block.main(), (block.in_planes, block.size, block.size))[-1][2]


def test_recurrent_and_attention_parameters():
    for d, h in [(10, 20), (300, 128), (1, 1)]:
        assert params(Recurrent(d, h, 4)) == n_params(nn.LSTM(d, h))
        assert params(Recurrent(d, h, 3)) == n_params(nn.GRU(d, h))
        assert params(Recurrent(d, h, 1)) == n_params(nn.RNN(d, h))
        assert params(Recurrent(d, h, 4, biases=1)) == d * 4 * h + h * 4 * h + 4 * h  # CS231n: Wx, Wh, b
    for e, heads, bias in [(64, 8, True), (128, 4, False), (16, 1, True)]:
        assert params(MultiHead(e, heads, bias)) == n_params(nn.MultiheadAttention(e, heads, bias=bias))


def test_sequence_shape_questions_against_torch():
    for seed in range(40):
        q = generate("gru_shapes", seed)
        f, what = dict(q.prompt[0].fields), dict(q.prompt[1].fields)["what"]
        cell = nn.GRUCell(f["d"], f["h"])
        h_next = cell(torch.zeros(f["n"], f["d"]), torch.zeros(f["n"], f["h"]))
        expected = {"weight_ih": cell.weight_ih.shape, "weight_hh": cell.weight_hh.shape}.get(what, h_next.shape)
        assert q.key == tuple(expected), (what, q.key)
    for seed in range(40):
        q = generate("mha_shapes", seed)
        f = dict(q.prompt[0].fields)
        mha = nn.MultiheadAttention(f["e"], f["h"], batch_first=True)
        out, weights = mha(torch.zeros(f["n"], f["t"], f["e"]), torch.zeros(f["n"], f["s"], f["e"]), torch.zeros(f["n"], f["s"], f["e"]), average_attn_weights=False)
        if q.key == (f["n"], f["t"], f["e"]):
            assert tuple(out.shape) == q.key
        if q.key == (f["n"], f["h"], f["t"], f["s"]):
            assert tuple(weights.shape) == q.key


def test_backprop_graphs_against_autograd():
    rng = random.Random(3)
    ops = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "max": torch.maximum, "relu": torch.relu, "sigmoid": torch.sigmoid}
    for name in backprop.GRAPHS:
        leaves, nodes, _ = backprop.GRAPHS[name]
        for _ in range(20):
            vals = backprop._values(rng, name)
            upstream = float(rng.choice([1, 2, -1]))
            grads, _ = backprop.backward(nodes, backprop.forward(nodes, vals), upstream)
            t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in vals.items()}
            env = dict(t)
            for n, op, ins in nodes:
                env[n] = ops[op](*[env[i] for i in ins])
                env[n].retain_grad()
            env[nodes[-1][0]].backward(torch.tensor(upstream, dtype=torch.float64))
            for k in list(leaves) + [n for n, _, _ in nodes]:
                assert env[k].grad is not None and abs(float(env[k].grad) - grads[k]) < 1e-12, (name, k)


def test_by_hand_convolution_and_pooling_against_torch():
    for seed in range(100):
        q = generate("conv_by_hand", seed)
        x = np.array([[float(v) for v in line.split()] for line in q.prompt[2].splitlines()])
        k = np.array([[float(v) for v in line.split()] for line in q.prompt[4].splitlines()])
        flipped = "flipped" in dict(q.prompt[0].fields)["op"].id
        kt = torch.tensor(k[::-1, ::-1].copy() if flipped else k)[None, None]
        out = nn.functional.conv2d(torch.tensor(x)[None, None], kt)[0, 0].numpy()  # torch's conv2d is cross-correlation
        assert np.allclose(out, np.array(q.key))
        p = generate("pool_by_hand", seed)
        f = dict(p.prompt[0].fields)
        xp = torch.tensor([[float(v) for v in line.split()] for line in p.prompt[1].splitlines()])[None, None]
        fn = nn.functional.max_pool2d if f["kind"].id == "max" else nn.functional.avg_pool2d
        assert np.allclose(fn(xp, f["k"], f["s"])[0, 0].numpy(), np.array(p.key))
