"""Parameter counts: conv (bias, groups), depthwise separable, fully connected, named layers of classic CNNs."""
from __future__ import annotations

import random
from math import prod

from grader.i18n import N_
from grader.practice.architectures import INCEPTIONS, MODELS, RESBLOCKS
from grader.practice.layers import Conv, Linear, Pool, params, trace
from grader.practice.templates import Draft, template
from grader.practice.text import Msg, msg, num

YES_NO = {True: N_("with"), False: N_("without")}


def weight_lines(layer) -> list[str]:
    """``name (shape) = n`` per parameter tensor, then the sum (language-neutral)."""
    lines = [f"{n} {tuple(s)} = {' · '.join(map(str, s))} = {num(prod(s))}" if len(s) > 1 else f"{n} {tuple(s)} = {num(s[0])}"
             for n, s in layer.weights().items()]
    return lines + [f"Σ = {num(params(layer))}"]


def describe(layer) -> Msg:
    """One layer's definition in words."""
    if isinstance(layer, Conv):
        k = layer.k if isinstance(layer.k, int) else layer.k[0]
        return msg(N_("{name}: {cout} filters {k}×{k}, stride {s}, padding {p}, groups {g}, {bias} bias"),
                   name=layer.name or "conv", cout=layer.cout, k=k, s=layer.stride, p=layer.pad, g=layer.groups, bias=msg(YES_NO[layer.bias]))
    if isinstance(layer, Pool):
        return msg(N_("{name}: {kind} pooling {k}×{k}, stride {s}"), name=layer.name, kind=msg(N_("max") if layer.kind == "max" else N_("average")), k=layer.k, s=layer.stride or layer.k)
    return msg(N_("{name}: fully connected, {fin} → {fout}, {bias} bias"), name=layer.name or "fc", fin=layer.fin, fout=layer.fout, bias=msg(YES_NO[layer.bias]))


@template("conv_params", "params", N_("Parameters of a convolution"))
def conv_params(rng: random.Random) -> Draft:
    """Parameters of a convolution with or without bias and groups; number, exact."""
    cin = rng.choice([1, 3, 8, 16, 32, 48, 64, 96, 128, 256])
    cout = rng.choice([8, 16, 32, 64, 96, 128, 192, 256, 512])
    k = rng.choice([1, 3, 3, 5, 7, 11])
    divisors = [g for g in (1, 2, 4, 8, 16, 32) if cin % g == 0 and cout % g == 0]
    g = rng.choice(divisors) if rng.random() < 0.35 else 1
    layer = Conv(cin, cout, k, groups=g, bias=rng.random() < 0.6, name="conv")
    prompt = (msg(N_("A convolution layer takes {cin} input channels and has {cout} filters of size {k}×{k}, groups = {g}, {bias} bias."), cin=cin, cout=cout, k=k, g=g, bias=msg(YES_NO[layer.bias])),
              msg(N_("How many learnable parameters does it have?")))
    solution = (msg(N_("Each filter sees C/groups = {c} channels: the weight has shape (F, C/groups, k, k)."), c=cin // g), *weight_lines(layer))
    return Draft(prompt, "number", params(layer), solution)


@template("fc_params", "params", N_("Parameters of a fully connected layer"))
def fc_params(rng: random.Random) -> Draft:
    """Parameters of a fully connected layer on a flattened feature map; number, exact."""
    c, hw = rng.choice([16, 32, 64, 128, 256]), rng.choice([1, 2, 4, 5, 6, 7])
    fout = rng.choice([10, 84, 100, 120, 256, 512, 1000, 4096])
    layer = Linear(c * hw * hw, fout, bias=rng.random() < 0.7, name="fc")
    prompt = (msg(N_("A feature map of shape {c}×{hw}×{hw} (C×H×W) is flattened and fed to a fully connected layer with {fout} outputs, {bias} bias."), c=c, hw=hw, fout=fout, bias=msg(YES_NO[layer.bias])),
              msg(N_("How many learnable parameters does the layer have?")))
    solution = (f"in = {c}·{hw}·{hw} = {c * hw * hw}", *weight_lines(layer))
    return Draft(prompt, "number", params(layer), solution)


@template("dwsep_params", "params", N_("Parameters of a depthwise separable convolution"))
def dwsep_params(rng: random.Random) -> Draft:
    """Parameters of a depthwise + pointwise pair; number, exact."""
    c, f, k = rng.choice([16, 32, 64, 128, 256, 512]), rng.choice([32, 64, 128, 256, 512, 1024]), rng.choice([3, 3, 5])
    bias = rng.random() < 0.5
    dw, pw, std = Conv(c, c, k, groups=c, bias=bias, name="depthwise"), Conv(c, f, 1, bias=bias, name="pointwise"), Conv(c, f, k, bias=bias)
    prompt = (msg(N_("A depthwise separable convolution maps {c} channels to {f} channels with a {k}×{k} depthwise kernel, {bias} bias in both parts."), c=c, f=f, k=k, bias=msg(YES_NO[bias])),
              msg(N_("How many learnable parameters does it have (depthwise + pointwise)?")))
    solution = (msg(N_("Depthwise: one {k}×{k} filter per channel (groups = C)."), k=k), *weight_lines(dw),
                msg(N_("Pointwise: a 1×1 convolution mixing the channels.")), *weight_lines(pw),
                msg(N_("Total {total}; a standard {k}×{k} convolution would have {std}."), total=num(params(dw) + params(pw)), k=k, std=num(params(std))))
    return Draft(prompt, "number", params(dw) + params(pw), solution)


@template("model_layer", "params", N_("Named layers of LeNet-5, AlexNet, VGG-16 and MobileNet"))
def model_layer(rng: random.Random) -> Draft:
    """Parameters (number) or output shape (shape) of a named layer of LeNet-5, AlexNet, VGG-16 or MobileNet; exact."""
    model = MODELS[rng.choice(sorted(MODELS))]()
    steps = trace(list(model.layers), model.input_shape)
    layer, shape_in, shape_out = rng.choice(steps)
    ask_params = not isinstance(layer, Pool) and rng.random() < 0.6
    c, h, w = model.input_shape
    prompt = [msg(N_("{model} takes a {h}×{w}×{c} input. One of its layers receives an input of shape {shape} (C, H, W):"),
                  model=model.name, h=h, w=w, c=c, shape=_shape(shape_in)), describe(layer)]
    if ask_params:
        prompt.append(msg(N_("How many learnable parameters does this layer have?")))
        return Draft(tuple(prompt), "number", params(layer), tuple(weight_lines(layer)))
    prompt.append(msg(N_("What is its output shape? Give (C, H, W), or (features,) for a fully connected layer.")))
    solution: list = []
    if len(shape_out) == 3:
        k = layer.k if isinstance(layer.k, int) else layer.k[0]
        s, p = (layer.stride or layer.k), layer.pad
        solution.append(f"H' = ⌊({shape_in[1]} + 2·{p} − {k}) / {s}⌋ + 1 = {shape_out[1]}")
    solution.append(msg(N_("The output shape is {shape}."), shape=_shape(shape_out)))
    return Draft(tuple(prompt), "shape", tuple(shape_out), tuple(solution))


def _shape(s) -> str:
    return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"


@template("inception_params", "params", N_("GoogLeNet inception module with and without 1×1 reductions"))
def inception_params(rng: random.Random) -> Draft:
    """Parameters or output channels of a GoogLeNet inception module with or without 1×1 reductions; number, exact."""
    mod = rng.choice(INCEPTIONS)
    reduce = rng.random() < 0.5
    ask = rng.choice(["params", "params", "channels"])
    c, h, w = mod.input_shape
    branches = mod.branches(reduce)
    prompt = [msg(N_("GoogLeNet inception module {name} receives a {c}×{h}×{w} input. Its table row: #1×1 {a}, #3×3 reduce {b}, #3×3 {d}, #5×5 reduce {e}, #5×5 {f}, pool proj {g}."),
                  name=mod.name, c=c, h=h, w=w, a=mod.n1x1, b=mod.n3x3red, d=mod.n3x3, e=mod.n5x5red, f=mod.n5x5, g=mod.pool_proj),
              msg(N_("It is built with the 1×1 reductions (and the pool projection).") if reduce else
                  N_("It is built naively, without any 1×1 reduction: 1×1, 3×3 and 5×5 convolutions and 3×3 max pooling all take the input directly."))]
    outs = [trace(b, mod.input_shape)[-1][2] for b in branches]
    if ask == "channels":
        prompt.append(msg(N_("How many channels does the module output?")))
        total = sum(o[0] for o in outs)
        return Draft(tuple(prompt), "number", total, (" + ".join(str(o[0]) for o in outs) + f" = {total}",
                                                      msg(N_("The branches are concatenated along the channels."))))
    prompt.append(msg(N_("How many learnable parameters (weights and biases of all its convolutions) does it have?")))
    layers = [l for b in branches for l in b if not isinstance(l, Pool)]
    solution = [f"{l.cin}→{l.cout}, {l.k}×{l.k}: {l.cout}·{l.cin}·{l.k}·{l.k} + {l.cout} = {num(params(l))}" for l in layers]
    total = sum(params(l) for l in layers)
    solution.append(f"Σ = {num(total)}")
    return Draft(tuple(prompt), "number", total, tuple(solution))


@template("resnet_block", "params", N_("ResNet-18 basic blocks and ResNet-50 bottlenecks"))
def resnet_block(rng: random.Random) -> Draft:
    """Parameters (conv + BN γ, β) or output shape of a ResNet-18 basic or ResNet-50 bottleneck block; exact."""
    block = rng.choice(RESBLOCKS)
    main, short = block.main(), block.shortcut()
    ask_params = rng.random() < 0.7
    prompt = [msg(N_("A {kind} block ({name}) receives a {c}×{n}×{n} input; planes = {p}, stride = {s}. Convolutions have no bias; each is followed by batch normalization (γ and β per channel), and a 1×1 projection with BN is used as the shortcut when the shape changes."),
                  kind=msg(N_("basic") if block.kind == "basic" else N_("bottleneck")), name=msg(block.name), c=block.in_planes, n=block.size, p=block.planes, s=block.stride)]
    if ask_params:
        prompt.append(msg(N_("How many learnable parameters does the block have?")))
        layers = main + short
        solution = [f"{l.name}: {num(params(l))}" for l in layers]
        if not short:
            solution.append(msg(N_("Identity shortcut: no parameters.")))
        total = sum(params(l) for l in layers)
        solution.append(f"Σ = {num(total)}")
        return Draft(tuple(prompt), "number", total, tuple(solution))
    out = trace(main, (block.in_planes, block.size, block.size))[-1][2]
    prompt.append(msg(N_("What is the output shape (C, H, W)?")))
    return Draft(tuple(prompt), "shape", tuple(out), (msg(N_("The output shape is {shape}."), shape=_shape(out)),))
