"""Named layers of classic CNNs, as layer definitions (:mod:`grader.practice.layers`).

Only the *definitions* are written here (what the papers' tables give: channels, kernel sizes,
strides, padding); every shape and parameter count a question asks is derived from them, and the
tests check those against ``torch.nn`` modules built from the same definitions.

Canonical inputs: LeNet-5 32×32×1 (LeCun et al. 1998), AlexNet 227×227×3 (Krizhevsky et al.
2012, the size for which 11×11/4 gives 55×55; the paper's "224" and notes' "277" are misprints),
VGG-16 224×224×3 (Simonyan & Zisserman 2015, configuration D), MobileNet 224×224×3 (Howard et
al. 2017, Table 1), GoogLeNet inception modules (Szegedy et al. 2015, Table 1), ResNet blocks
(He et al. 2016, Table 1; torchvision's layout: convolutions without bias, each followed by BN).

AlexNet is the single-tower form used by textbooks (no channel groups), with 62,378,344
parameters; LeNet-5's C3 is fully connected to S2 and its subsampling layers are plain average
pooling without trainable coefficients.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.i18n import N_
from grader.practice.layers import BatchNorm, Conv, Layer, Linear, Pool, Shape


@dataclass(frozen=True)
class Model:
    """A plain stack of named layers with its canonical input ``(C, H, W)``."""

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]


def lenet5() -> Model:
    """LeNet-5 (LeCun et al. 1998) on 32×32×1: C1, S2, C3, S4, C5, F6, output."""
    return Model("LeNet-5", (1, 32, 32), (
        Conv(1, 6, 5, name="C1"), Pool(2, kind="avg", name="S2"),
        Conv(6, 16, 5, name="C3"), Pool(2, kind="avg", name="S4"),
        Conv(16, 120, 5, name="C5"), Linear(120, 84, name="F6"), Linear(84, 10, name="output"),
    ))


def alexnet() -> Model:
    """AlexNet (Krizhevsky et al. 2012), single tower, on 227×227×3: conv1–conv5, pools, fc6–fc8."""
    return Model("AlexNet", (3, 227, 227), (
        Conv(3, 96, 11, stride=4, name="conv1"), Pool(3, 2, name="pool1"),
        Conv(96, 256, 5, pad=2, name="conv2"), Pool(3, 2, name="pool2"),
        Conv(256, 384, 3, pad=1, name="conv3"), Conv(384, 384, 3, pad=1, name="conv4"),
        Conv(384, 256, 3, pad=1, name="conv5"), Pool(3, 2, name="pool5"),
        Linear(256 * 6 * 6, 4096, name="fc6"), Linear(4096, 4096, name="fc7"), Linear(4096, 1000, name="fc8"),
    ))


def vgg16() -> Model:
    """VGG-16 (configuration D of Simonyan & Zisserman 2015) on 224×224×3: 13 3×3 convolutions, 5 pools, 3 FC."""
    layers: list[Layer] = []
    cin = 3
    for block, (width, count) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        for i in range(1, count + 1):
            layers.append(Conv(cin, width, 3, pad=1, name=f"conv{block}_{i}"))
            cin = width
        layers.append(Pool(2, 2, name=f"pool{block}"))
    layers += [Linear(512 * 7 * 7, 4096, name="fc6"), Linear(4096, 4096, name="fc7"), Linear(4096, 1000, name="fc8")]
    return Model("VGG-16", (3, 224, 224), tuple(layers))


def mobilenet() -> Model:
    """MobileNet v1 (width 1.0) convolutions; each is followed by BN + ReLU in the paper (not listed)."""
    layers: list[Layer] = [Conv(3, 32, 3, stride=2, pad=1, bias=False, name="conv1")]
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    cin = 32
    for i, (cout, stride) in enumerate(plan, start=1):
        layers.append(Conv(cin, cin, 3, stride=stride, pad=1, groups=cin, bias=False, name=f"dw{i}"))
        layers.append(Conv(cin, cout, 1, bias=False, name=f"pw{i}"))
        cin = cout
    layers += [Pool(7, 1, kind="avg", name="avgpool"), Linear(1024, 1000, name="fc")]
    return Model("MobileNet", (3, 224, 224), tuple(layers))


MODELS = {"lenet5": lenet5, "alexnet": alexnet, "vgg16": vgg16, "mobilenet": mobilenet}


@dataclass(frozen=True)
class Inception:
    """One GoogLeNet inception module (Szegedy et al. 2015, Table 1), its input ``(C, H, W)``."""

    name: str
    input_shape: Shape
    n1x1: int
    n3x3red: int
    n3x3: int
    n5x5red: int
    n5x5: int
    pool_proj: int

    def branches(self, reduce: bool = True) -> list[list[Layer]]:
        """Layers of the four branches; ``reduce=False`` is the naive module without 1×1 reductions.

        The naive module's pooling branch passes all input channels through (no projection).
        """
        c = self.input_shape[0]
        if not reduce:
            return [[Conv(c, self.n1x1, 1)], [Conv(c, self.n3x3, 3, pad=1)], [Conv(c, self.n5x5, 5, pad=2)], [Pool(3, 1, pad=1)]]
        return [
            [Conv(c, self.n1x1, 1)],
            [Conv(c, self.n3x3red, 1), Conv(self.n3x3red, self.n3x3, 3, pad=1)],
            [Conv(c, self.n5x5red, 1), Conv(self.n5x5red, self.n5x5, 5, pad=2)],
            [Pool(3, 1, pad=1), Conv(c, self.pool_proj, 1)],
        ]


INCEPTIONS = tuple(Inception(n, s, *cfg) for n, s, cfg in [
    ("3a", (192, 28, 28), (64, 96, 128, 16, 32, 32)),
    ("3b", (256, 28, 28), (128, 128, 192, 32, 96, 64)),
    ("4a", (480, 14, 14), (192, 96, 208, 16, 48, 64)),
    ("4b", (512, 14, 14), (160, 112, 224, 24, 64, 64)),
    ("4c", (512, 14, 14), (128, 128, 256, 24, 64, 64)),
    ("4d", (512, 14, 14), (112, 144, 288, 32, 64, 64)),
    ("4e", (528, 14, 14), (256, 160, 320, 32, 128, 128)),
    ("5a", (832, 7, 7), (256, 160, 320, 32, 128, 128)),
    ("5b", (832, 7, 7), (384, 192, 384, 48, 128, 128)),
])


@dataclass(frozen=True)
class ResBlock:
    """A ResNet block as torchvision builds it: ``kind`` ``"basic"`` (ResNet-18/34) or ``"bottleneck"`` (ResNet-50+, expansion 4)."""

    kind: str
    name: str
    in_planes: int
    planes: int
    stride: int
    size: int  # input H = W

    @property
    def out_channels(self) -> int:
        """Output channels: ``planes`` (basic) or ``4·planes`` (bottleneck)."""
        return self.planes * (4 if self.kind == "bottleneck" else 1)

    def main(self) -> list[Layer]:
        """Main path, torchvision names: conv1, bn1, conv2, bn2[, conv3, bn3]."""
        p = self.planes
        if self.kind == "basic":
            return [Conv(self.in_planes, p, 3, self.stride, 1, bias=False, name="conv1"), BatchNorm(p, name="bn1"),
                    Conv(p, p, 3, 1, 1, bias=False, name="conv2"), BatchNorm(p, name="bn2")]
        return [Conv(self.in_planes, p, 1, bias=False, name="conv1"), BatchNorm(p, name="bn1"),
                Conv(p, p, 3, self.stride, 1, bias=False, name="conv2"), BatchNorm(p, name="bn2"),
                Conv(p, 4 * p, 1, bias=False, name="conv3"), BatchNorm(4 * p, name="bn3")]

    def shortcut(self) -> list[Layer]:
        """The 1×1 projection (``downsample``) when the shape changes, else nothing (identity)."""
        if self.stride == 1 and self.in_planes == self.out_channels:
            return []
        return [Conv(self.in_planes, self.out_channels, 1, self.stride, bias=False, name="downsample.0"), BatchNorm(self.out_channels, name="downsample.1")]


RESBLOCKS = (
    ResBlock("basic", N_("ResNet-18 layer1"), 64, 64, 1, 56),
    ResBlock("basic", N_("ResNet-18 layer2 (first block)"), 64, 128, 2, 56),
    ResBlock("basic", N_("ResNet-18 layer2 (second block)"), 128, 128, 1, 28),
    ResBlock("basic", N_("ResNet-18 layer3 (first block)"), 128, 256, 2, 28),
    ResBlock("basic", N_("ResNet-18 layer3 (second block)"), 256, 256, 1, 14),
    ResBlock("basic", N_("ResNet-18 layer4 (first block)"), 256, 512, 2, 14),
    ResBlock("basic", N_("ResNet-18 layer4 (second block)"), 512, 512, 1, 7),
    ResBlock("bottleneck", N_("ResNet-50 layer1 (first block)"), 64, 64, 1, 56),
    ResBlock("bottleneck", N_("ResNet-50 layer1 (second block)"), 256, 64, 1, 56),
    ResBlock("bottleneck", N_("ResNet-50 layer2 (first block)"), 256, 128, 2, 56),
    ResBlock("bottleneck", N_("ResNet-50 layer2 (second block)"), 512, 128, 1, 28),
    ResBlock("bottleneck", N_("ResNet-50 layer3 (first block)"), 512, 256, 2, 28),
    ResBlock("bottleneck", N_("ResNet-50 layer3 (second block)"), 1024, 256, 1, 14),
    ResBlock("bottleneck", N_("ResNet-50 layer4 (first block)"), 1024, 512, 2, 14),
    ResBlock("bottleneck", N_("ResNet-50 layer4 (second block)"), 2048, 512, 1, 7),
)
