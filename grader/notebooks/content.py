"""The explanation texts of the generated notebooks (English message ids, domain ``notebook``).

Formulas are checked against their sources, cited in the text: Dumoulin & Visin (2016) for
output sizes, Szegedy et al. (2015) and Howard et al. (2017) for 1×1 and depthwise separable
convolutions, He et al. (2016) for residual blocks, Hochreiter & Schmidhuber (1997) and the
CS231n gate order for LSTMs, Vaswani et al. (2017) for attention. Every worked number in a
text is recomputed by ``tests/notebooks/test_content.py``.
"""
from __future__ import annotations

from grader.i18n import N_

TITLE = N_("Assignment {assignment}")
HOW_TO = N_(
    "Write your code in the cells that say `raise NotImplementedError(...)`, run the cell, then run the "
    "self-check cell below it. The self-check runs your functions in a separate Python process on the public "
    "cases and prints deepgrade's diagnosis; the grade uses more (hidden) cases of the same kinds. "
    "Plots and scratch cells are yours: grading only reads imports, definitions and constants."
)
EXERCISE = N_("Exercise: `{name}` ({points} points)")
HELPER = N_("Helper: `{name}` (not graded on its own)")
SETUP = N_("Imports for this assignment. Keep them; add your own below if you need more.")
VIZ = N_("See it")

# Explanations, per assignment, shown before the exercises.
TOPICS: dict[str, tuple[str, ...]] = {
    "01_conv_arithmetic": (
        N_(
            "**Output size.** A convolution slides a kernel of size $K$ over an input of size $H$ padded "
            "with $P$ zeros on each side, moving $S$ pixels at a time (the stride). With dilation $D$ the "
            "kernel's taps are $D$ pixels apart, so it spans $D(K-1)+1$ pixels. The number of positions is\n\n"
            "$$H_{out} = \\left\\lfloor \\frac{H + 2P - D(K-1) - 1}{S} \\right\\rfloor + 1$$\n\n"
            "(Dumoulin & Visin 2016). Examples: $H=32, K=5, P=2, S=1$ gives 32 (the size is kept); "
            "$H=7, K=3, P=0, S=2$ gives 3."
        ),
        N_(
            "**Receptive field.** The receptive field of a unit is the patch of the input it can see. Each layer "
            "$l$ with kernel $k_l$, stride $s_l$ and dilation $d_l$ widens it by $(k_l-1)\\,d_l$ times the product "
            "of the strides before it: $r = 1 + \\sum_l (k_l - 1)\\, d_l \\prod_{i<l} s_i$. Three 3×3 convolutions "
            "with stride 1 see 7×7 pixels, like one 7×7 convolution, with $27C^2$ weights instead of $49C^2$ (VGG)."
        ),
        N_(
            "**Why 1×1 convolutions reduce channels.** A 1×1 convolution mixes channels at each pixel and leaves "
            "the spatial size alone, so it can shrink $C$ before an expensive 3×3 convolution. GoogLeNet's "
            "inception modules and ResNet's bottleneck blocks do this: a 3×3 convolution from 256 to 256 channels "
            "has $256 \\cdot 256 \\cdot 9 = 589{,}824$ weights, while 1×1 (256→64), 3×3 (64→64), 1×1 (64→256) has "
            "$16{,}384 + 36{,}864 + 16{,}384 = 69{,}632$ (biases left out)."
        ),
        N_(
            "**Depthwise separable convolutions (MobileNet).** A depthwise convolution (groups = C: one filter per "
            "channel) followed by a 1×1 pointwise convolution costs, relative to a full convolution, "
            "$\\frac{1}{C_{out}} + \\frac{1}{K^2}$ (Howard et al. 2017, §3.1). For $K = 3$ and $C_{out} = 256$ that is "
            "about 0.115, roughly 8.7 times fewer multiply-accumulates (MACs)."
        ),
    ),
    "02_convolution": (
        N_(
            "**Cross-correlation.** What deep-learning libraries call a convolution layer computes a "
            "cross-correlation: the kernel slides over the input without being flipped, "
            "$out[i, j] = \\sum_{p,q} x[i+p, j+q]\\, w[p, q]$. A true convolution flips the kernel first "
            "(rotates it by 180°). Because the weights are learned, the two give equally good layers, but the "
            "numbers differ, and the grader checks that you do not flip."
        ),
        N_(
            "**Padding and stride.** Padding $P$ adds zeros around the input so that the kernel can be centred on "
            "border pixels; with $P = (K-1)/2$ and stride 1 the output keeps the input's size. Stride $S$ moves the "
            "kernel $S$ pixels at a time and divides the output size by about $S$: "
            "$H_{out} = \\lfloor (H + 2P - D(K-1) - 1)/S \\rfloor + 1$."
        ),
        N_(
            "**Dilation and groups.** Dilation $D$ spreads the kernel's taps $D$ pixels apart: a 3×3 kernel with "
            "$D=2$ covers 5×5 pixels with 9 weights, widening the receptive field early. Groups $G$ split the "
            "input channels and the filters into $G$ groups; each filter sees only the $C/G$ channels of its group, "
            "so the weights are $(F, C/G, HH, WW)$. With $G = C$ each channel gets its own filters (depthwise "
            "convolution, as in MobileNet)."
        ),
        N_(
            "**Filters as feature detectors.** A Sobel kernel responds to intensity edges in one direction; the "
            "plots below apply your `correlate2d` to a small image shipped with deepgrade."
        ),
    ),
    "03_pooling": (
        N_(
            "**Pooling.** Max pooling keeps the largest value of each window; average pooling keeps the mean. "
            "Neither has weights. A 2×2 window with stride 2 halves H and W. In the backward pass max pooling "
            "sends each window's gradient to the position of its maximum only (the first one on ties), and "
            "average pooling shares it equally among the window's positions. Windows may overlap when the stride "
            "is smaller than the window."
        ),
    ),
    "04_normalization_residual": (
        N_(
            "**Batch normalization.** In training, each feature is normalized with the mean and variance of the "
            "mini-batch, $\\hat{x} = (x - \\mu_B)/\\sqrt{\\sigma_B^2 + \\epsilon}$, then scaled and shifted, "
            "$y = \\gamma \\hat{x} + \\beta$ (Ioffe & Szegedy 2015). Running averages of $\\mu$ and $\\sigma^2$, "
            "kept for test mode, are updated as `running = momentum * running + (1 - momentum) * batch`."
        ),
        N_(
            "**Why a residual block can fall back to the identity.** A residual block outputs "
            "$\\mathrm{relu}(F(x) + x)$ (He et al. 2016). If the block's weights are driven to zero then "
            "$F(x) = 0$ and the output is $\\mathrm{relu}(x)$, which equals $x$ for the non-negative outputs of "
            "an earlier ReLU: a deeper network can always do at least as well as a shallower one. The shortcut "
            "also gives the gradient a path that skips $F$, which eases vanishing gradients."
        ),
    ),
    "05_recurrent": (
        N_(
            "**What each LSTM gate does.** From $a = x W_x + h_{t-1} W_h + b$, split into four parts in the order "
            "i, f, o, g: the input gate $i = \\sigma(a_i)$ decides how much new information enters the cell state, "
            "the forget gate $f = \\sigma(a_f)$ how much of the old cell state is kept, the output gate "
            "$o = \\sigma(a_o)$ how much of the cell state is shown as the hidden state, and $g = \\tanh(a_g)$ is "
            "the candidate content. Then $c_t = f \\odot c_{t-1} + i \\odot g$ and $h_t = o \\odot \\tanh(c_t)$."
        ),
        N_(
            "**Why LSTMs ease vanishing gradients.** In a vanilla RNN the gradient is multiplied by $W_h$ and the "
            "tanh derivative at every step, so it shrinks (or explodes) exponentially with the sequence length. "
            "The LSTM's cell state is updated by addition: along it $\\partial c_t / \\partial c_{t-1} = f$, the "
            "forget gate, which the network can keep near 1, so the gradient can flow over many steps."
        ),
    ),
    "06_attention": (
        N_(
            "**Queries, keys and values.** Each query $q$ (what a position is looking for) is compared with every "
            "key $k$ (what each position offers); the scores, scaled and turned into weights by a softmax, "
            "average the values $v$ (what each position passes on): "
            "$\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}(QK^T / \\sqrt{d_k})\\, V$ (Vaswani et al. 2017). "
            "Dividing by $\\sqrt{d_k}$ keeps the scores' variance near 1 (a dot product of $d_k$ independent "
            "unit-variance terms has variance $d_k$), so the softmax does not saturate."
        ),
        N_(
            "**Masks.** A mask blocks some query–key pairs (here 0/False blocks, as in CS231n), for example "
            "future positions in a decoder. A query whose keys are all blocked outputs zeros. The heat map below "
            "shows the attention weights of a small example: each row is a query and sums to 1."
        ),
    ),
}

# Shown in the self-check output, from :mod:`grader.notebooks.kernel`.
STATUS = {
    "passed": N_("passed"),
    "partial": N_("partly right"),
    "failed": N_("failed"),
    "error": N_("error"),
    "denied": N_("refused by the sandbox"),
    "timeout": N_("too slow (timed out)"),
    "memory": N_("used too much memory"),
    "crashed": N_("crashed"),
    "missing": N_("missing"),
    "not_implemented": N_("not implemented"),
}
CHECK_LINE = N_("{name}: {status}, {score}/{max_score} points (public cases)")
DIAGNOSIS = N_("diagnosis: {names}")
NOTES = N_("note: {note}")

# Visualisations, from :mod:`grader.notebooks.viz`.
VIZ_FALLBACK = N_("{name} is not implemented yet; the plot uses numpy's version instead.")
VIZ_DIFFERS = N_("Your {name} differs from numpy's version here (max abs difference {error:.3g}); the plot shows yours.")
FILTER_NAMES = {
    "image": N_("image"),
    "sobel_x": N_("Sobel x (vertical edges)"),
    "sobel_y": N_("Sobel y (horizontal edges)"),
    "laplacian": N_("Laplacian"),
    "box": N_("3×3 mean (blur)"),
}
RF_TITLE = N_("Receptive field after each layer (kernel, stride, dilation)")
RF_AXIS = N_("pixels of the input seen by one unit")
ATTN_TITLE = N_("Attention weights (rows: queries, columns: keys)")
ATTN_QUERY = N_("query")
ATTN_KEY = N_("key")
HELPERS = N_("Helpers: write any helper functions you need here (optional).")
