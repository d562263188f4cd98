import numpy as np

from grader import gradcheck


def _tanh_layer(inputs):
    return [np.tanh(inputs["x"] @ inputs["w"])]


def _grads(x, w, dout):
    dz = dout * (1 - np.tanh(x @ w) ** 2)
    return dz @ w.T, x.T @ dz


def test_projection_accepts_correct_and_float32_gradients():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    dout = rng.standard_normal((4, 5))
    dx, dw = _grads(x, w, dout)
    inputs = {"x": x, "w": w}
    assert gradcheck.project(_tanh_layer, inputs, "x", dx, [dout], rng).ok
    assert gradcheck.project(_tanh_layer, inputs, "w", dw, [dout], rng).ok

    def float32_forward(values):
        return [np.tanh(values["x"].astype(np.float32) @ values["w"].astype(np.float32)).astype(np.float64)]

    for _ in range(5):  # a correct forward computed in float32 is never blamed
        assert gradcheck.project(float32_forward, inputs, "w", dw, [dout], rng).ok


def test_projection_and_localisation_find_a_wrong_element():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    dout = rng.standard_normal((4, 5))
    dx, dw = _grads(x, w, dout)
    bad = dw.copy()
    bad[2, 1] += 1.0
    inputs = {"x": x, "w": w}
    assert not gradcheck.project(_tanh_layer, inputs, "w", bad, [dout], rng).ok
    loc = gradcheck.localise(_tanh_layer, inputs, "w", bad, [dout], rng)
    assert loc.index == (2, 1)
    assert abs(loc.numeric - dw[2, 1]) < 1e-5
