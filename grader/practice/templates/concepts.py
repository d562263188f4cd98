"""Concept questions with fixed choices; a seed picks the question and shuffles the choices."""
from __future__ import annotations

import random

from grader.i18n import N_
from grader.practice.architectures import alexnet
from grader.practice.layers import Conv, Linear, params
from grader.practice.templates import Draft, template
from grader.practice.text import msg, num

# (question, correct choice, three wrong choices, explanation)
CONCEPTS = (
    (N_("Why can a deeper network built from residual blocks do at least as well as a shallower one?"),
     N_("Each block computes x + F(x); if the extra layers do not help, F can go to zero and the block passes x through (the identity), so the deeper net can represent the shallower one."),
     (N_("The shortcut doubles the effective learning rate of every layer."),
      N_("Residual blocks have fewer parameters than plain blocks, so they cannot overfit."),
      N_("Batch normalization inside the block guarantees that training reaches a global minimum.")),
     N_("Learning F(x) = 0 is easy (weights near zero), while a plain stack must learn the identity mapping itself.")),
    (N_("Why do gradients vanish when a vanilla RNN is trained on long sequences?"),
     N_("Backpropagation through time multiplies by Wh and the tanh derivative at every step, so the gradient shrinks (or explodes) exponentially with the distance in time."),
     (N_("The softmax output layer sets the gradients of early steps to zero."),
      N_("The hidden state is reset to zero at every time step."),
      N_("Each step has its own weights, so early weights receive no gradient.")),
     N_("The same matrix appears in every factor of the chain rule over time; with its largest singular value below 1 the product decays.")),
    (N_("How do LSTM and GRU ease the vanishing-gradient problem?"),
     N_("Their state is updated additively through gates (c(t) = f ⊙ c(t−1) + i ⊙ g), so a gradient can flow back through the forget/update gate without repeated multiplication by a weight matrix."),
     (N_("They use ReLU instead of sigmoid for every gate."),
      N_("They remove the recurrent weights Wh altogether."),
      N_("They process the sequence backwards, so early steps are close to the loss.")),
     N_("When the forget gate is near 1 the cell state, and its gradient, is carried over almost unchanged.")),
    (N_("What does a 1×1 convolution do?"),
     N_("It mixes the channels at each pixel: a learned linear map across channels (followed by a nonlinearity) that can reduce or increase the number of channels cheaply."),
     (N_("It halves the height and width of the feature map."),
      N_("It blurs each channel with its neighbours."),
      N_("It has no learnable parameters, like pooling.")),
     N_("GoogLeNet uses 1×1 reductions before its 3×3 and 5×5 convolutions to cut parameters and MACs (Network in Network).")),
    (N_("Compared with a CNN, why does a ViT usually need more training data?"),
     N_("A ViT has a weaker inductive bias: no built-in locality or translation equivariance, so it must learn from data what convolutions assume."),
     (N_("A ViT cannot be trained with backpropagation."),
      N_("A ViT has fewer parameters than any CNN."),
      N_("Self-attention only sees neighbouring patches, so its receptive field is small.")),
     N_("With large datasets (or pretraining) ViTs catch up with and pass CNNs; on small datasets CNNs' assumptions help.")),
    (N_("What is the difference between downsampling with a strided convolution and with pooling?"),
     N_("A strided convolution downsamples with learned weights; pooling uses a fixed summary (max or average) with no parameters and may discard information."),
     (N_("Pooling has learnable weights; a strided convolution does not."),
      N_("A strided convolution keeps the height and width unchanged."),
      N_("Pooling mixes the channels; a strided convolution cannot.")),
     N_("Many modern networks replace pooling layers with stride-2 convolutions for this reason.")),
    (N_("Why does a convolutional layer have far fewer parameters than a fully connected layer on the same input?"),
     N_("Its filters are small and shared across all positions (local connections and weight sharing), so the count does not depend on the image size."),
     (N_("It stores its weights in lower precision."),
      N_("It only connects to one channel of the input."),
      N_("Its biases replace most of the weights.")),
     N_("In AlexNet the five convolutions hold {conv} parameters and the three fully connected layers {fc}.")),
)


@template("concept", "concepts", N_("Concept questions"))
def concept(rng: random.Random) -> Draft:
    """One of :data:`CONCEPTS` with shuffled choices; choice key."""
    question, right, wrong, why = rng.choice(CONCEPTS)
    options = [right, *wrong]
    rng.shuffle(options)
    key = options.index(right)
    choices = tuple(msg(o) for o in options)
    return Draft((msg(question),), "choice", key, (msg(why, **_alexnet_split()),), choices=choices)


def _alexnet_split() -> dict[str, str]:
    """AlexNet's parameters in convolutions vs fully connected layers, from its definition."""
    model = alexnet()
    conv = sum(params(layer) for layer in model.layers if isinstance(layer, Conv))
    fc = sum(params(layer) for layer in model.layers if isinstance(layer, Linear))
    return {"conv": num(conv), "fc": num(fc)}
