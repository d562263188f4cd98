"""Backpropagation on small computation graphs (add, multiply, max, ReLU, sigmoid, fan-out).

Each graph is a list of nodes ``(name, op, inputs)`` with a drawing; values are chosen so that no
max has a tie and no ReLU sits at 0 (where the derivative is a convention). The forward and
backward passes apply each node's local derivative (the definitions below) and add the
gradients of a value used more than once (fan-out), which is what the question practises.
"""
from __future__ import annotations

import math
import random

from grader.i18n import N_
from grader.practice.templates import Draft, template
from grader.practice.text import msg

# name: (leaves, nodes, drawing). Nodes are in topological order; the last one is the output f.
GRAPHS = {
    "add_mul": (("x", "y", "z"), (("q", "add", ("x", "y")), ("f", "mul", ("q", "z"))), (
        " x ─┐",
        "    (+)── q ─┐",
        " y ─┘        (*)── f",
        " z ──────────┘")),
    "mul_add_relu": (("x", "y", "z"), (("a", "mul", ("x", "y")), ("b", "add", ("a", "z")), ("f", "relu", ("b",))), (
        " x ─┐",
        "    (*)── a ─┐",
        " y ─┘        (+)── b ──(relu)── f",
        " z ──────────┘")),
    "fanout_max": (("x", "y", "z"), (("a", "mul", ("x", "y")), ("m", "max", ("a", "z")), ("f", "add", ("m", "a"))), (
        " x ─┐",
        "    (*)── a ──┬──────────────┐",
        " y ─┘         │              (+)── f",
        "              (max)── m ─────┘",
        " z ───────────┘")),
    "sigmoid_neuron": (("w", "x", "b"), (("p", "mul", ("w", "x")), ("s", "add", ("p", "b")), ("f", "sigmoid", ("s",))), (
        " w ─┐",
        "    (*)── p ─┐",
        " x ─┘        (+)── s ──(σ)── f",
        " b ──────────┘")),
    "input_fanout": (("x", "y", "z"), (("p", "mul", ("x", "y")), ("m", "max", ("x", "z")), ("f", "add", ("p", "m"))), (
        " y ───────────┐",
        "              (*)── p ─┐",
        " x ──┬────────┘        (+)── f",
        "     └────────┐        │",
        "              (max)── m┘",
        " z ───────────┘")),
    "relu_fanout": (("x", "y", "z"), (("a", "add", ("x", "y")), ("r", "relu", ("a",)), ("m", "mul", ("r", "z")), ("f", "add", ("m", "r"))), (
        " x ─┐",
        "    (+)── a ──(relu)── r ──┬─────────┐",
        " y ─┘                      (*)── m ──(+)── f",
        " z ────────────────────────┘")),
}

SYMBOL = {"add": "+", "mul": "·"}


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def forward(nodes, values: dict[str, float]) -> dict[str, float]:
    """Values of every node, given the leaf values."""
    values = dict(values)
    for name, op, ins in nodes:
        a = [values[i] for i in ins]
        values[name] = {"add": lambda: a[0] + a[1], "mul": lambda: a[0] * a[1], "max": lambda: max(a),
                        "relu": lambda: max(a[0], 0.0), "sigmoid": lambda: _sigmoid(a[0])}[op]()
    return values


def local(op: str, ins: tuple[str, ...], index: int, values: dict[str, float]) -> float:
    """∂node/∂(its input number ``index``) at ``values``: the local gradient of one node."""
    a = [values[i] for i in ins]
    if op == "add":
        return 1.0
    if op == "mul":
        return a[1 - index]
    if op == "max":
        return 1.0 if a[index] > a[1 - index] else 0.0
    if op == "relu":
        return 1.0 if a[0] > 0 else 0.0
    s = _sigmoid(a[0])
    return s * (1 - s)


def backward(nodes, values: dict[str, float], upstream: float) -> tuple[dict[str, float], list]:
    """Gradients of the loss with respect to every value, and the worked steps.

    Nodes are visited from the output back; a node's gradient is complete when it is visited,
    because every node that uses it comes later in the (topological) order.

    Args:
        nodes: the graph, output last.
        values: every value (from :func:`forward`).
        upstream: ∂L/∂f.
    Returns:
        ``(grads, steps)``: gradient per name; steps as language-neutral lines and messages.
    """
    parts: dict[str, list[float]] = {nodes[-1][0]: [upstream]}
    grads: dict[str, float] = {}
    steps: list = []

    def settle(v: str) -> None:
        """Sum the gradients that reached ``v`` and record the fan-out step when there were several."""
        total = parts.get(v, [0.0])
        grads[v] = sum(total)
        if len(total) > 1:
            steps.append(msg(N_("{v} fans out: the gradients from its branches add up."), v=v))
            steps.append(f"∂L/∂{v} = {' + '.join(_n(t) for t in total)} = {_n(grads[v])}")

    for name, op, ins in reversed(nodes):
        settle(name)
        for i, inp in enumerate(ins):
            lg = local(op, ins, i, values)
            contrib = grads[name] * lg
            parts.setdefault(inp, []).append(contrib)
            steps.append(f"∂L/∂{inp} ⟵ ∂L/∂{name} · ∂{name}/∂{inp} = {_n(grads[name])} · {_n(lg)} = {_n(contrib)}")
    for v in list(parts):
        if v not in grads:
            settle(v)
    return grads, steps


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.4f}"


def _values(rng: random.Random, graph: str) -> dict[str, float]:
    leaves, nodes, _ = GRAPHS[graph]
    while True:
        vals = {leaf: float(rng.randint(-4, 5)) for leaf in leaves}
        if graph == "sigmoid_neuron":
            vals["b"] = float(rng.randint(-2, 2) - vals["w"] * vals["x"])  # keeps s small: σ is not flat
        full = forward(nodes, vals)
        ok = True
        for name, op, ins in nodes:
            a = [full[i] for i in ins]
            if op == "max" and a[0] == a[1] or op == "relu" and a[0] == 0:
                ok = False
        if ok and abs(vals.get("b", 0)) <= 20:
            return vals


@template("backprop_graph", "backprop", N_("Backpropagation on a computation graph"))
def backprop_graph(rng: random.Random) -> Draft:
    """∂L/∂(a value) or a local gradient on one of :data:`GRAPHS`; number, exact (2 decimals, tol 0.005, with a sigmoid)."""
    graph = rng.choice(sorted(GRAPHS))
    leaves, nodes, drawing = GRAPHS[graph]
    vals = _values(rng, graph)
    full = forward(nodes, vals)
    upstream = float(rng.choice([1, 1, 2, -1, 3]))
    grads, steps = backward(nodes, full, upstream)
    equations = ", ".join(_equation(n, op, ins) for n, op, ins in nodes)
    given = ", ".join(f"{leaf} = {_n(vals[leaf])}" for leaf in leaves)
    decimals = graph == "sigmoid_neuron"
    prompt = [msg(N_("The computation graph below computes {equations}; the loss L depends on f with ∂L/∂f = {g}."), equations=equations, g=_n(upstream)),
              *drawing, msg(N_("Inputs: {given}."), given=given)]
    if rng.random() < 0.25:
        name, op, ins = rng.choice(nodes)
        i = rng.randrange(len(ins))
        key = local(op, ins, i, full)
        prompt.append(msg(N_("What is the local gradient ∂{node}/∂{inp} at these inputs?"), node=name, inp=ins[i]))
        solution = [_forward_line(nodes, full), _local_reason(op, ins, i, full, name), f"∂{name}/∂{ins[i]} = {_n(key)}"]
    else:
        target = rng.choice([leaf for leaf in leaves] + [n for n, _, _ in nodes[:-1]])
        key = grads[target]
        prompt.append(msg(N_("What is the gradient ∂L/∂{v} (the upstream gradient arriving at {v})?"), v=target))
        solution = [_forward_line(nodes, full), msg(N_("Backward, from the output: each input gets the upstream gradient times the local gradient.")), *steps,
                    f"∂L/∂{target} = {_n(key)}"]
    if decimals:
        prompt.append(msg(N_("Give 2 decimal places.")))
    return Draft(tuple(prompt), "number", round(key, 6), tuple(solution), tol=0.005 if decimals else 0.0)


def _equation(name: str, op: str, ins: tuple[str, ...]) -> str:
    if op in SYMBOL:
        return f"{name} = {ins[0]} {SYMBOL[op]} {ins[1]}"
    fn = {"max": "max", "relu": "relu", "sigmoid": "σ"}[op]
    return f"{name} = {fn}({', '.join(ins)})"


def _forward_line(nodes, full) -> str:
    return "→ " + ", ".join(f"{n} = {_n(full[n])}" for n, _, _ in nodes)


def _local_reason(op, ins, i, full, name):
    if op == "add":
        return msg(N_("An add node passes the gradient through unchanged: local gradient 1."))
    if op == "mul":
        return msg(N_("A multiply node's local gradient is the other input: {v}."), v=_n(full[ins[1 - i]]))
    if op == "max":
        return msg(N_("A max node routes the gradient to the larger input only (1 there, 0 for the other)."))
    if op == "relu":
        return msg(N_("ReLU passes the gradient where its input is positive (1) and blocks it otherwise (0)."))
    s = _sigmoid(full[ins[0]])
    return f"σ'(s) = σ(s)(1 − σ(s)) = {s:.4f} · {1 - s:.4f}"
