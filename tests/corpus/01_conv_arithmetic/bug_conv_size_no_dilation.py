# corpus: bug
# exercises: conv_output_size
# loses: conv_output_size
# diagnosis: ignores_dilation
# about: CS231n formula (W - F + 2P) / S + 1 with the dilation argument accepted but unused
def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    W, F, S, P = input_size, kernel_size, stride, pad
    for v in (W, F, S, P, dilation):
        if type(v) is not int:
            raise ValueError("expected int")
    if W < 1 or F < 1 or S < 1 or P < 0 or dilation < 1:
        raise ValueError("bad value")
    if F > W + 2 * P:
        raise ValueError("filter too large")
    return (W - F + 2 * P) // S + 1
