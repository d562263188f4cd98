# corpus: bug
# exercises: receptive_field
# loses: receptive_field
# diagnosis: no_jump
# about: adds (k - 1) * d per layer, forgetting that strides of earlier layers multiply the step
def receptive_field(layers):
    r = 1
    for entry in layers:
        if len(entry) != 3:
            raise ValueError("layer must be (kernel_size, stride, dilation)")
        k, s, d = entry
        if any(type(v) is not int or v < 1 for v in (k, s, d)):
            raise ValueError("bad layer")
        r += (k - 1) * d
    return r
