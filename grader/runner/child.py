"""The request loop that runs *inside* the student process (trusted code, untrusted process).

It imports the submission's files, calls the functions the grader asks for on the inputs it
sends, and sends back plain data (:mod:`grader.runner.codec`). Values the grader must not or
cannot see (a forward pass's cache, a torch module) stay here under a key and are referred to
by :class:`~grader.runner.codec.Ref`. This module must never import reference solutions,
exercise specs or anything secret: everything importable here is visible to student code.

Requests (a dict, encoded):
    ``{"op": "load", "files": {relpath: source}, "want": [names], "stub_modules": [patterns]}``
        → ``{"ok": True, "found": {name: module}, "import_errors": {module: text},
             "foreign": {name: defining module}}`` (``foreign``: wanted names the submission
        imports from a library instead of defining, :mod:`grader.runner.ownership`)
    ``{"op": "call", "func": name | Ref, "args": [...], "kwargs": {...}, "store": key|None,
       "send": "all" | "none" | [path, ...], "echo_args": bool, "echo_stored": [key, ...]}``
        → ``{"ok": True, "value": ..., "args_after": [...], "kwargs_after": {...},
             "stored_after": {key: [args, kwargs]}, "seconds": float}``
        or ``{"ok": False, "error": {"type", "mro", "message", "traceback"}}``
    ``{"op": "param_count", "ref": key}`` → ``{"ok": True, "value": int}`` (torch modules)
"""
from __future__ import annotations

import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any, BinaryIO

from grader.runner import codec, ownership, stub_modules
from grader.runner.framing import read_frame, write_frame

MAX_REQUEST_BYTES = 1 << 30
REPLY_MAX_STR = 4000


class _State:
    def __init__(self) -> None:
        self.modules: dict[str, Any] = {}
        self.stored: dict[str, Any] = {}
        self.stored_args: dict[str, tuple] = {}
        self.workdir = Path.cwd()


def serve(rfile: BinaryIO, wfile: BinaryIO) -> None:
    """Answer requests until the grader closes the request pipe.

    Args:
        rfile: binary stream of request frames from the grader.
        wfile: binary stream for reply frames.
    """
    state = _State()
    while True:
        try:
            request = codec.decode(read_frame(rfile, MAX_REQUEST_BYTES))
        except EOFError:
            return
        try:
            reply = _handle(state, request)
        except BaseException as exc:  # never let the loop die on a student's exception
            reply = {"ok": False, "error": _describe(exc, state.workdir)}
        try:
            payload = codec.encode(reply, max_str=REPLY_MAX_STR)
        except BaseException as exc:
            payload = codec.encode({"ok": False, "error": _describe(exc, state.workdir)}, max_str=REPLY_MAX_STR)
        write_frame(wfile, payload)


def _handle(state: _State, request: dict) -> dict:
    op = request.get("op")
    if op == "load":
        stub_modules.install([str(p) for p in request.get("stub_modules") or ()])
        reply = _load(state, request["files"], request.get("want", []))
        reply["foreign"] = _foreign(state, reply["found"])
        return reply
    if op == "call":
        return _call(state, request)
    if op == "param_count":
        module = state.stored[request["ref"]]
        return {"ok": True, "value": int(sum(p.numel() for p in module.parameters()))}
    return {"ok": False, "error": {"type": "ProtocolError", "mro": [], "message": f"unknown op {op!r}", "traceback": ""}}


# Plotting and notebook-display libraries that student notebooks import at the top. When they
# are not installed where grading runs, a do-nothing stand-in keeps the import from failing:
# grading never looks at plots.
_PLOTTING = ("matplotlib", "seaborn", "IPython", "plotly", "tqdm")


class _NoOp:
    def __call__(self, *args, **kwargs):
        return _NoOp()

    def __getattr__(self, name):
        return _NoOp()

    def __iter__(self):
        return iter(())


class _StandIn(type(sys)):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _NoOp()


class _StandInFinder:
    """Finds stand-ins for missing plotting packages (and their submodules)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        import importlib.machinery

        if name.split(".")[0] not in _PLOTTING_MISSING:
            return None
        return importlib.machinery.ModuleSpec(name, _StandInFinder, is_package=True)

    @staticmethod
    def create_module(spec):
        module = _StandIn(spec.name)
        module.__path__ = []
        return module

    @staticmethod
    def exec_module(module):
        pass


def _install_plotting_stand_ins() -> None:
    import importlib.util

    missing = [name for name in _PLOTTING if importlib.util.find_spec(name) is None]
    if missing:
        _PLOTTING_MISSING.update(missing)
        sys.meta_path.append(_StandInFinder)


_PLOTTING_MISSING: set = set()


def _load(state: _State, files: dict, want: list) -> dict:
    _install_plotting_stand_ins()
    dirs = []
    for rel, source in sorted(files.items()):
        path = (state.workdir / rel).resolve()
        if state.workdir not in path.parents:
            continue  # a path like ../x would escape the scratch folder
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        if str(path.parent) not in dirs:
            dirs.append(str(path.parent))
    sys.path[:0] = dirs
    import_errors: dict = {}
    # Files that define a wanted name first: a student's transformer_layers.py (which imports
    # torch, seconds on a laptop) is then not imported to grade a numpy function from another
    # file. The other files are imported only if a name is still missing (e.g. re-exported).
    defining = [rel for rel in sorted(files) if any(_defines(files[rel], name) for name in want)]
    _import_files(state, defining, import_errors)
    if any(_find(state, name) is None for name in want):
        _import_files(state, [rel for rel in sorted(files) if rel not in defining], import_errors)
    found = {}
    for wanted in want:
        owner = _find(state, wanted)
        if owner is not None:
            found[wanted] = owner
    return {"ok": True, "found": found, "import_errors": import_errors}


def _foreign(state: _State, found: dict) -> dict:
    """Wanted names bound to an object that no submission file defines → its module."""
    workdir = state.workdir.resolve()
    out = {}
    for name, owner in found.items():
        where = ownership.origin(vars(state.modules[owner]).get(name), workdir)
        if where is not None:
            out[name] = where
    return out


def _defines(source: str, name: str) -> bool:
    # A cheap textual test; a false positive only costs an import.
    return re.search(rf"^\s*(def|class)\s+{re.escape(name)}\b|^\s*{re.escape(name)}\s*=", source, re.M) is not None


def _import_files(state: _State, rels: list, import_errors: dict) -> None:
    for rel in rels:
        name = Path(rel).stem
        if not name.isidentifier() or name in state.modules or name in import_errors:
            continue
        try:
            state.modules[name] = __import__(name)
        except BaseException as exc:  # SyntaxError, ImportError, SystemExit at import time...
            import_errors[name] = _format_error(exc, state.workdir)


def _find(state: _State, name: str) -> str | None:
    # Prefer the module that defines the name over one that merely imports it.
    candidates = [m for m, mod in state.modules.items() if name in vars(mod)]
    for m in candidates:
        if getattr(vars(state.modules[m])[name], "__module__", None) == m:
            return m
    return candidates[0] if candidates else None


def _resolve(state: _State, value: Any) -> Any:
    if isinstance(value, codec.Ref):
        target = state.stored[value.key]
        for step in value.path:
            target = target[step]
        return target
    if isinstance(value, codec.TorchArray):
        import torch

        return torch.from_numpy(value.array)
    if isinstance(value, tuple):
        return tuple(_resolve(state, v) for v in value)
    if isinstance(value, list):
        return [_resolve(state, v) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(state, v) for k, v in value.items()}
    return value


def _call(state: _State, request: dict) -> dict:
    func_spec = request["func"]
    if isinstance(func_spec, codec.Ref):
        obj = state.stored[func_spec.key]
        func = getattr(obj, func_spec.path[0]) if func_spec.path else obj
    else:
        owner = _find(state, func_spec)
        if owner is None:
            raise NameError(f"{func_spec} is not defined in your submission")
        func = vars(state.modules[owner])[func_spec]
    args = _resolve(state, request.get("args", []))
    kwargs = _resolve(state, request.get("kwargs", {}))
    start = time.perf_counter()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - start
    key = request.get("store")
    if key:
        state.stored[key] = result
        state.stored_args[key] = (args, kwargs)
    send = request.get("send", "all")
    if send == "none":
        value = None
    elif send == "all":
        value = result
    else:
        value = [_pick(result, path) for path in send]
    reply = {"ok": True, "value": value, "seconds": seconds}
    if request.get("echo_args"):
        reply["args_after"] = list(args)
        reply["kwargs_after"] = kwargs
    echo = request.get("echo_stored") or []
    if echo:
        reply["stored_after"] = {k: [list(state.stored_args[k][0]), state.stored_args[k][1]] for k in echo if k in state.stored_args}
    return reply


def _pick(value: Any, path) -> Any:
    try:
        for step in path:
            value = value[step]
        return value
    except Exception:
        return codec.Opaque(f"nothing at {list(path)} of a {type(value).__name__}")


def _format_error(exc: BaseException, workdir: Path) -> str:
    info = _describe(exc, workdir)
    return f"{info['traceback']}{info['type']}: {info['message']}".strip()


def _describe(exc: BaseException, workdir: Path) -> dict:
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if str(workdir) in str(f.filename)]
        lines = []
        for f in frames[-6:]:
            lines.append(f'  File "{Path(f.filename).name}", line {f.lineno}, in {f.name}\n')
            if f.line:
                lines.append(f"    {f.line}\n")
        if isinstance(exc, SyntaxError) and exc.filename:
            lines.append(f'  File "{Path(exc.filename).name}", line {exc.lineno}\n    {(exc.text or "").rstrip()}\n')
        message = str(exc)
    except BaseException:  # a student's exception whose __str__ itself raises
        lines, message = [], "<unprintable exception>"
    return {
        "type": type(exc).__name__,
        "mro": [c.__name__ for c in type(exc).__mro__],
        "message": message[:2000],
        "traceback": "".join(lines)[:4000],
    }


def main() -> None:
    """Entry point for an unsandboxed child: protocol on stdin/stdout, student output to stderr."""
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    # Student prints must never interleave with protocol frames, and input() must not block.
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdout = sys.stderr
    serve(proto_in, proto_out)


if __name__ == "__main__":
    main()
