# corpus: bug
# exercises: pool_output_size
# loses: pool_output_size
# diagnosis: stride_default_one
# about: treats a missing stride as 1 (as for convolutions) instead of the pool size
import math


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    s = stride or 1
    for v in (input_size, pool_size, s, pad):
        if type(v) is not int:
            raise ValueError("int expected")
    if type(ceil_mode) is not bool:
        raise ValueError("ceil_mode must be bool")
    if input_size < 1 or pool_size < 1 or s < 1 or pad < 0 or pad > pool_size // 2:
        raise ValueError("bad arguments")
    span = input_size + 2 * pad - pool_size
    if span < 0:
        raise ValueError("window does not fit")
    n = (math.ceil(span / s) if ceil_mode else span // s) + 1
    if ceil_mode and (n - 1) * s >= input_size + pad:
        n -= 1
    return n
