"""Assignment 04, part 3 — ResNet building blocks as PyTorch modules.

``BasicBlock`` (ResNet-18/34) and ``Bottleneck`` (ResNet-50/101/152) from He et al. 2016,
"Deep Residual Learning for Image Recognition", §3.3 and §4.1 (Fig. 5), written so that
their submodule names, and therefore their ``state_dict`` keys, are exactly those of
torchvision's ``torchvision/models/resnet.py``::

    conv1, bn1, conv2, bn2[, conv3, bn3], relu, downsample

* Every convolution has ``bias=False``: the BatchNorm that follows has its own shift, so a
  bias would be redundant.
* ``downsample`` is the projection shortcut ``nn.Sequential(1x1 conv with the block's
  stride, BatchNorm2d)``, created when the shortcut must change the shape
  (``stride != 1`` or ``in_planes != planes * expansion``), and ``None`` otherwise.
* The ReLU comes AFTER the addition of the shortcut (post-activation, the original paper).
* ``Bottleneck`` puts the stride on its 3x3 convolution ``conv2`` ("ResNet v1.5", as
  torchvision does), not on the first 1x1 convolution as in the paper.

Load a torchvision block's weights with ``block.load_state_dict(tv_block.state_dict())``.
"""
import torch  # noqa: F401  (available to your code, e.g. torch.flatten)
import torch.nn as nn


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a shortcut: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``.

    Args:
        in_planes: channels of the input.
        planes: channels of the output (expansion = 1, so out channels = planes).
        stride: stride of conv1 and of the projection shortcut (1 or 2 in ResNets).

    Submodules (names fixed so that state_dicts match torchvision's ``BasicBlock``):
        conv1: Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        bn1: BatchNorm2d(planes)
        conv2: Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        bn2: BatchNorm2d(planes)
        relu: ReLU
        downsample: Sequential(Conv2d(in_planes, planes, 1, stride=stride, bias=False),
            BatchNorm2d(planes)) when stride != 1 or in_planes != planes, else None.

    Shapes: input (N, in_planes, H, W) -> output (N, planes, H_out, W_out) with
    H_out = 1 + (H - 1) // stride, W_out = 1 + (W - 1) // stride. Works in any float dtype
    and on any device the module is moved to.

    Source: He et al. 2016, §3.3 and §4.1; torchvision ``models/resnet.py``.
    """

    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.stride = stride
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        out_planes = planes * self.expansion
        if stride != 1 or in_planes != out_planes:
            # The identity would have the wrong shape: project with a strided 1x1 conv.
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_planes),
            )
        else:
            self.downsample = None
        ### END SOLUTION

    def forward(self, x):
        """x: (N, in_planes, H, W) -> (N, planes, H_out, W_out). Does not modify x."""
        ### BEGIN SOLUTION
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        # out + identity makes a new tensor, so x itself is never modified.
        return self.relu(out + identity)
        ### END SOLUTION


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand (x4), with a shortcut (He et al. 2016, Fig. 5 right).

    ``out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x))``

    Args:
        in_planes: channels of the input.
        planes: channels inside the block (the "bottleneck" width); the output has
            planes * expansion = 4 * planes channels.
        stride: stride of conv2 (the 3x3 convolution, "ResNet v1.5" as in torchvision) and
            of the projection shortcut.

    Submodules (names fixed so that state_dicts match torchvision's ``Bottleneck``):
        conv1: Conv2d(in_planes, planes, 1, bias=False);            bn1: BatchNorm2d(planes)
        conv2: Conv2d(planes, planes, 3, stride, padding=1, bias=False); bn2: BatchNorm2d(planes)
        conv3: Conv2d(planes, 4 * planes, 1, bias=False);           bn3: BatchNorm2d(4 * planes)
        relu: ReLU
        downsample: Sequential(Conv2d(in_planes, 4 * planes, 1, stride=stride, bias=False),
            BatchNorm2d(4 * planes)) when stride != 1 or in_planes != 4 * planes, else None.

    Shapes: input (N, in_planes, H, W) -> output (N, 4 * planes, H_out, W_out) with
    H_out = 1 + (H - 1) // stride, W_out = 1 + (W - 1) // stride.

    Source: He et al. 2016, §4.1 "Deeper Bottleneck Architectures"; torchvision
    ``models/resnet.py`` (groups = 1, base_width = 64, dilation = 1).
    """

    expansion = 4

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.stride = stride
        ### BEGIN SOLUTION
        out_planes = planes * self.expansion
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_planes, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_planes)
        self.relu = nn.ReLU(inplace=True)
        if stride != 1 or in_planes != out_planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_planes),
            )
        else:
            self.downsample = None
        ### END SOLUTION

    def forward(self, x):
        """x: (N, in_planes, H, W) -> (N, 4 * planes, H_out, W_out). Does not modify x."""
        ### BEGIN SOLUTION
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)
        ### END SOLUTION
