# corpus: bug
# exercises: conv_output_size
# loses: conv_output_size
# diagnosis: output_size_no_stride
# about: counts window positions as if the stride were always 1
def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (input_size, kernel_size, stride, pad, dilation)):
        raise ValueError("ints please")
    if input_size <= 0 or kernel_size <= 0 or stride <= 0 or dilation <= 0 or pad < 0:
        raise ValueError("out of range")
    reach = dilation * (kernel_size - 1)
    positions = input_size + 2 * pad - reach
    if positions < 1:
        raise ValueError("no valid position")
    return positions
