# corpus: bug
# exercises: pool_output_size
# loses: pool_output_size
# diagnosis: ceil_without_last_window_rule
# about: ceil mode without PyTorch's rule that the last window must start inside the input or the left padding
def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool_size
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (input_size, pool_size, stride, pad))
    if not ok or not isinstance(ceil_mode, bool):
        raise ValueError("invalid argument type")
    if input_size < 1 or pool_size < 1 or stride < 1 or pad < 0 or 2 * pad > pool_size:
        raise ValueError("invalid argument value")
    numerator = input_size + 2 * pad - pool_size
    if numerator < 0:
        raise ValueError("pool larger than input")
    if ceil_mode:
        return (numerator + stride - 1) // stride + 1
    return numerator // stride + 1
