"""Assignment 04, ``resnet_blocks.py`` — the PyTorch modules ``BasicBlock`` and ``Bottleneck``.

The student's module is built in the child, compared by parameter count and ``state_dict``
keys and shapes with the reference (torchvision names), loaded (in float64) with weights and
BatchNorm running statistics chosen here, and its eval mode output compared with the
reference module's for the same weights; probes zero the last BatchNorm's weight and bias,
so the output must be ``relu(shortcut(x))``.

Expected values: :class:`~grader.exercises.expected.ModuleExpected`.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from grader import compare as cmp
from grader.exercises.checks import identifiable_variants
from grader.exercises.context import Context, fragment, note_of, sentence
from grader.exercises.spec import Exercise, Topic, rounded
from grader.runner.codec import Ref, TorchArray

# What the block checks say (catalogue templates, domain ``feedback``).
NOT_A_STATE_DICT = sentence("{name}(...).state_dict() returned {type}, expected a dict of tensors")
PARAMS = sentence("{made} has {count} parameters")
PARAMS_EXPECTED = sentence("{made} has {count} parameters, expected {want}")
PARAMS_NOT_REFERENCE = sentence("{made} has {count} parameters (not the reference block's number)")
LACKS = sentence("state_dict lacks {keys}")
UNEXPECTED = sentence("state_dict has unexpected {keys}")
AND_MORE = fragment("{keys} and {more} more")
TORCHVISION_NAMES = sentence("Names and shapes must be torchvision's.")
SHAPE_EXPECTED = sentence("{made}: state_dict['{key}'] has shape {got}, expected {want}")
SHAPE_NOT_REFERENCE = sentence("{made}: state_dict['{key}'] has shape {got}, not the reference block's shape")
MODIFIED_X = sentence("{name}.forward modified its input tensor x in place (an in-place op such as x.relu_(), x += ..., or "
                      "nn.ReLU(inplace=True) applied to x itself); the caller's x must stay unchanged")
_EVAL = "In eval mode, float64, with the weights and BatchNorm statistics loaded by the grader: "
EVAL_NOTE = sentence(_EVAL + "{problem}")
EVAL_ZERO_BRANCH_NOTE = sentence(_EVAL + "{last}'s weight and bias are zero, so the branch is 0 and the output must equal "
                                 "relu(shortcut(x)). {problem}")

ASSIGNMENT = "04_normalization_residual"

MISCONCEPTIONS = MappingProxyType(
    {
        "missing_identity": (
            "your block returns relu(F(x)) without adding the shortcut. A residual block computes "
            "relu(F(x) + shortcut(x)), where the shortcut is x itself or the 1x1 projection"
        ),
        "relu_before_add": (
            "you apply the final ReLU to F(x) before adding the shortcut. The block is "
            "relu(F(x) + shortcut(x)): add first, then apply the ReLU"
        ),
        "missing_projection": (
            "the shortcut must be a projection, downsample = nn.Sequential(nn.Conv2d(in, out, 1, stride=stride, "
            "bias=False), nn.BatchNorm2d(out)), whenever stride != 1 or the number of channels changes "
            "(a stride-2 block changes the shape even with as many channels)"
        ),
        "unneeded_projection": (
            "when stride == 1 and the block keeps its number of channels the shortcut is the identity: "
            "downsample must be None (torchvision's layout, so that state_dicts load)"
        ),
        "conv_bias": (
            "the convolutions of a ResNet block have bias=False: the BatchNorm after each one has its own shift"
        ),
        "not_torchvision_names": (
            "your submodules must have torchvision's names (conv1, bn1, conv2, bn2[, conv3, bn3], downsample "
            "= Sequential(conv, bn)) so that state_dicts are interchangeable"
        ),
        "stride_on_first_conv": (
            "your Bottleneck puts the stride on the first 1x1 convolution (the paper's ResNet v1); this "
            "exercise, like torchvision (ResNet v1.5), puts it on the 3x3 convolution conv2"
        ),
        "mutates_input": "a function modified one of its arguments in place; work on copies",
    }
)

TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)


# -- ResNet blocks (PyTorch modules) -------------------------------------------------------------

# (in_planes, planes, stride, N, H, W, probe: last BatchNorm's weight and bias zeroed)
_BLOCK_CONFIGS = {
    "BasicBlock": (
        [(4, 4, 1, 2, 5, 6, False), (4, 8, 2, 2, 6, 5, False), (4, 4, 2, 1, 5, 5, False), (3, 6, 1, 2, 4, 4, False), (4, 4, 1, 2, 4, 5, True)],
        [(2, 2, 1, 1, 3, 3, False), (3, 5, 2, 2, 7, 6, False), (6, 6, 2, 2, 4, 4, True), (5, 3, 1, 1, 5, 4, False)],
    ),
    "Bottleneck": (
        [(16, 4, 1, 2, 4, 5, False), (8, 4, 1, 2, 4, 4, False), (16, 4, 2, 1, 5, 6, False), (6, 2, 2, 2, 5, 5, False), (16, 4, 1, 1, 4, 4, True)],
        [(4, 1, 1, 1, 3, 3, False), (8, 2, 2, 2, 6, 6, False), (12, 3, 1, 1, 5, 4, True), (10, 3, 2, 1, 7, 5, False)],
    ),
}


def _block_cases(name: str):
    expansion = 4 if name == "Bottleneck" else 1

    def make_cases(rng: np.random.Generator, hidden: bool) -> list:
        public, extra = _BLOCK_CONFIGS[name]
        configs = list(public) if not hidden else list(extra)
        if hidden:
            planes = int(rng.integers(1, 4))
            in_planes = int(rng.choice([planes * expansion, int(rng.integers(1, 9))]))
            configs.append((in_planes, planes, int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(3, 7)), int(rng.integers(3, 7)), False))
        cases = []
        for in_planes, planes, stride, N, H, W, probe in configs:
            inputs = {
                "in_planes": in_planes,
                "planes": planes,
                "stride": stride,
                "x": rounded(rng.standard_normal((N, in_planes, H, W))),
                "seed": int(rng.integers(0, 2**31)),
                "probe": probe,
            }
            label = f"{name}({in_planes}, {planes}, stride={stride}), x {(N, in_planes, H, W)}"
            if probe:
                label += f" (probe: {'bn3' if name == 'Bottleneck' else 'bn2'} weight and bias zero)"
            cases.append((label, inputs))
        return cases

    return make_cases


def _random_state(state_dict: dict, rng: np.random.Generator, zero_bn: str | None) -> dict:
    """Float64 weights and BatchNorm statistics for every entry of a block's state_dict."""
    out = {}
    for key, tensor in state_dict.items():
        shape = tuple(tensor.shape)
        if key.endswith("num_batches_tracked"):
            value = np.array(0, dtype=np.int64)
        elif len(shape) == 4:  # a convolution's weight
            value = rng.standard_normal(shape) / np.sqrt(int(np.prod(shape[1:])))
        elif key.endswith("running_var"):
            value = rng.uniform(0.5, 1.5, shape)
        elif key.endswith("running_mean") or key.endswith(".bias"):
            value = rng.normal(0.0, 0.2, shape)
        else:  # a BatchNorm's weight
            value = rng.uniform(0.5, 1.5, shape)
        if zero_bn and key in (f"{zero_bn}.weight", f"{zero_bn}.bias"):
            value = np.zeros(shape)
        out[key] = value
    return out


def _block_expect(name: str):
    def expect(ref: Any, inputs: dict) -> dict:
        import torch

        # Tiny convolutions are far slower with a thread pool (on a busy 2-core machine, 60×).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return _block_expected(name, ref, inputs)
        finally:
            torch.set_num_threads(threads)

    return expect


def _block_expected(name: str, ref: Any, inputs: dict) -> dict:
    """Expected values of one block case, computed with the reference module (see _block_expect)."""
    import copy

    import torch

    cls = getattr(ref, name)
    module = cls(inputs["in_planes"], inputs["planes"], inputs["stride"]).double()
    zero_bn = ("bn3" if name == "Bottleneck" else "bn2") if inputs["probe"] else None
    state = _random_state(module.state_dict(), np.random.default_rng(inputs["seed"]), zero_bn)
    module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    module.train(False)  # eval mode
    x = torch.from_numpy(inputs["x"].copy())
    with torch.no_grad():
        out = module(x).numpy()
        branch, shortcut = _block_parts(module, x)
        candidates = {
            "missing_identity": torch.relu(branch).numpy(),
            "relu_before_add": (torch.relu(branch) + shortcut).numpy(),
        }
        if name == "Bottleneck" and inputs["stride"] != 1:
            v1 = copy.deepcopy(module)
            v1.conv1.stride, v1.conv2.stride = (inputs["stride"],) * 2, (1, 1)
            candidates["stride_on_first_conv"] = v1(x).numpy()
    count = int(sum(p.numel() for p in module.parameters()))
    conv_outs = [int(v.shape[0]) for v in state.values() if v.ndim == 4]
    downsample = sum(int(np.prod(v.shape)) for k, v in state.items() if k.startswith("downsample.") and k.split(".")[-1] in ("weight", "bias"))
    out_planes = inputs["planes"] * (4 if name == "Bottleneck" else 1)
    count_variants = {
        "missing_projection": count - downsample if downsample else None,
        "unneeded_projection": None if downsample else count + inputs["in_planes"] * out_planes + 2 * out_planes,
        "conv_bias": count + sum(conv_outs),
    }
    return {
        "param_count": count,
        "keys": list(state),
        "shapes": {k: list(v.shape) for k, v in state.items()},
        "state": state,
        "out": out,
        "variants": identifiable_variants(out, candidates),
        "count_variants": {k: v for k, v in count_variants.items() if v is not None},
    }


def _block_parts(module: Any, x: Any) -> tuple:
    """The residual branch (before the final ReLU) and the shortcut of a reference block."""
    import torch

    relu = torch.relu
    if hasattr(module, "conv3"):
        branch = module.bn3(module.conv3(relu(module.bn2(module.conv2(relu(module.bn1(module.conv1(x))))))))
    else:
        branch = module.bn2(module.conv2(relu(module.bn1(module.conv1(x)))))
    shortcut = x if module.downsample is None else module.downsample(x)
    return branch, shortcut


def _block_check(name: str):
    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        args = (inputs["in_planes"], inputs["planes"], inputs["stride"])
        ctx.call(name, *args, store="blk", send="none")
        ctx.call(Ref("blk", ("double",)), send="none")
        raw = ctx.call(Ref("blk", ("state_dict",))).value
        if not isinstance(raw, dict):
            ctx.fail(NOT_A_STATE_DICT.format(name=name, type=cmp.type_name(raw)))
        made = f"{name}({', '.join(map(str, args))})"
        count = ctx.param_count("blk", what=made)
        want_keys = list(expected["keys"])
        missing = [k for k in want_keys if k not in raw]
        unexpected = [k for k in raw if k not in want_keys]
        if count != expected["param_count"] or missing or unexpected:
            diagnoses = _key_diagnoses(missing, unexpected, count, expected)
            if count == expected["param_count"]:
                lines = [PARAMS.format(made=made, count=count)]
            elif ctx.public:
                lines = [PARAMS_EXPECTED.format(made=made, count=count, want=expected["param_count"])]
            else:
                lines = [PARAMS_NOT_REFERENCE.format(made=made, count=count)]
            if missing:
                lines.append(LACKS.format(keys=_few(missing)))
            if unexpected:
                lines.append(UNEXPECTED.format(keys=_few(unexpected)))
            ctx.fail("\n".join([*lines, TORCHVISION_NAMES]), *diagnoses)
        for key in want_keys:
            got_shape = list(np.shape(cmp.as_array(raw[key]))) if cmp.as_array(raw[key]) is not None else None
            if got_shape != expected["shapes"][key]:
                ctx.fail(SHAPE_EXPECTED.format(made=made, key=key, got=got_shape, want=expected["shapes"][key]) if ctx.public
                         else SHAPE_NOT_REFERENCE.format(made=made, key=key, got=got_shape))
        state = {k: TorchArray(v) for k, v in expected["state"].items()}
        ctx.call(Ref("blk", ("load_state_dict",)), state, send="none")
        ctx.call(Ref("blk", ("eval",)), send="none")
        x = inputs["x"]
        reply = ctx.call(Ref("blk"), TorchArray(x), echo_args=True)
        after = cmp.as_array(reply.args_after[0]) if reply.args_after else x
        if after is None or after.shape != x.shape or not np.array_equal(after, x):
            ctx.fail(MODIFIED_X.format(name=name), "mutates_input")
        if inputs.get("probe"):
            note = note_of(EVAL_ZERO_BRANCH_NOTE, last="bn3" if name == "Bottleneck" else "bn2")
        else:
            note = note_of(EVAL_NOTE)
        ctx.expect_close("out", reply.value, expected["out"], variants=expected["variants"], note=note)

    return check


def _few(keys: list, limit: int = 4) -> str:
    shown = ", ".join(keys[:limit])
    return AND_MORE.format(keys=shown, more=len(keys) - limit) if len(keys) > limit else shown


def _key_diagnoses(missing: list, unexpected: list, count: int, expected: dict) -> list:
    names = [d for d, c in expected["count_variants"].items() if c == count]
    if "conv_bias" not in names and any(k.endswith(".bias") and k.rsplit(".", 1)[0] + ".weight" in expected["shapes"]
                                          and len(expected["shapes"][k.rsplit(".", 1)[0] + ".weight"]) == 4 for k in unexpected):
        names.append("conv_bias")
    if missing and all(k.startswith("downsample.") for k in missing) and not unexpected and "missing_projection" not in names:
        names.append("missing_projection")
    if unexpected and all(k.startswith("downsample.") for k in unexpected) and not missing and "unneeded_projection" not in names:
        names.append("unneeded_projection")
    if not names and count == expected["param_count"]:
        names.append("not_torchvision_names")
    return names


def _block_exercise(name: str) -> Exercise:
    return TOPIC.exercise(
        name,
        points=3,
        requires=(name,),
        make_cases=_block_cases(name),
        expect=_block_expect(name),
        check=_block_check(name),
        summary=f"torch {name}: torchvision state_dict names, projection shortcut, eval-mode output",
    )


EXERCISES = (
    _block_exercise("BasicBlock"),
    _block_exercise("Bottleneck"),
)
