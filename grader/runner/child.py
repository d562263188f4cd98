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
        imports from a library instead of defining, :mod:`grader.runner.ownership`); an
        exercise child, which inherited its warm child's import, is sent no ``files``
    ``{"op": "call", "func": name | Ref, "args": [...], "kwargs": {...}, "store": key|None,
       "send": "all" | "none" | [path, ...], "echo_args": bool, "echo_stored": [key, ...]}``
        → ``{"ok": True, "value": ..., "args_after": [...], "kwargs_after": {...},
             "stored_after": {key: [args, kwargs]}, "seconds": float}``
        or ``{"ok": False, "error": {"type", "mro", "message", "traceback"}}``
    ``{"op": "call_many", "calls": [call request, ...]}`` → one reply frame per call, as for
        ``call``, each written as soon as that call returns (independent calls, one request)
    ``{"op": "param_count", "ref": key}`` → ``{"ok": True, "value": int}`` (torch modules)
    ``{"op": "fork", "wall_s": s, "cpu_s": s, "memory_bytes": n}`` (the warm child, after ``load``)
        forks an *exercise child* that inherits the imported submission. The exercise child
        answers ``{"ok": True, "forked": pid}`` and serves the next requests; the warm child
        stays silent until the exercise child has ended (``{"op": "end"}``, a crash, or its
        wall-clock deadline), then sends one :data:`ENDED` frame saying how it ended.
    ``{"op": "end"}`` → (exercise child) exits at once, without a reply.

One warm child per submission pays for the imports once; each exercise runs in its own forked
child, so a crash or a hang costs only that exercise, and no exercise sees another's state.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from grader.runner import codec, ownership, sources, stub_modules
from grader.runner.framing import read_frame, write_frame

MAX_REQUEST_BYTES = 1 << 30
REPLY_MAX_STR = 4000

#: Prefix of the frame the warm child sends when an exercise child has ended, followed by JSON
#: ``{"returncode", "signal", "cpu_s", "killed_by"}``. Its first four bytes read as a codec
#: header length of 4 GiB, so no codec message (capped far below) can start with it.
ENDED = b"\xff\xff\xff\xffdeepgrade-exercise-ended:"

#: Callables run in a just-forked exercise child before it serves anything; the sandbox adds
#: its ban on new processes here (the warm child itself must still be able to fork).
AFTER_FORK: list = []

#: Exit code of an exercise child whose setup (``AFTER_FORK``, limits) failed.
FORK_SETUP_FAILED_EXIT = 121

# Seconds the warm child lets an exercise child run past its wall-clock limit: the grader's
# own deadline starts a little later (after the load round trip), so the warm child's kill
# report arrives before the grader gives up on it.
_WALL_SLACK_S = 0.25


class _State:
    def __init__(self) -> None:
        self.modules: dict[str, Any] = {}
        self.import_errors: dict[str, str] = {}
        self.stored: dict[str, Any] = {}
        self.stored_args: dict[str, tuple] = {}
        self.workdir = Path.cwd()
        self.written: dict | None = None         # the files last written to workdir
        self.exercise = False                    # True in a forked exercise child
        self.origins: dict = {}                  # (name, module) → ownership.origin(...)


def serve(rfile: BinaryIO, wfile: BinaryIO) -> None:
    """Answer requests until the grader closes the request pipe.

    Args:
        rfile: binary stream of request frames from the grader.
        wfile: binary stream for reply frames.
    """
    state = _State()
    # The ops that keep the warm child and its exercise children in step are bound here, before
    # any student code runs: a submission that patches this module at import changes what its
    # own calls return, never how its exercises are forked, loaded and ended.
    control = {"load": _load_op, "fork": _fork_exercise, "end": _end_op,
               "call_many": lambda st, req: _stream_calls(st, req, wfile)}
    while True:
        try:
            request = codec.decode(read_frame(rfile, MAX_REQUEST_BYTES))
        except EOFError:
            return
        try:
            op = request.get("op") if isinstance(request, dict) else None
            reply = control[op](state, request) if op in control else _handle(state, request)
        except BaseException as exc:  # never let the loop die on a student's exception
            reply = {"ok": False, "error": _describe(exc, state.workdir)}
        if reply is None:
            continue                             # already written (call_many)
        if isinstance(reply, dict) and "$ended" in reply and not state.exercise:
            write_frame(wfile, ENDED + json.dumps(reply["$ended"]).encode())
            continue
        try:
            payload = codec.encode(reply, max_str=REPLY_MAX_STR)
        except BaseException as exc:
            payload = codec.encode({"ok": False, "error": _describe(exc, state.workdir)}, max_str=REPLY_MAX_STR)
        write_frame(wfile, payload)


def _handle(state: _State, request: dict) -> dict:
    op = request.get("op")
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
    # Once per process: an exercise child inherits what its warm child installed.
    if _PLOTTING_CHECKED:
        return
    _PLOTTING_CHECKED.append(True)
    import importlib.util

    missing = [name for name in _PLOTTING if importlib.util.find_spec(name) is None]
    if missing:
        _PLOTTING_MISSING.update(missing)
        sys.meta_path.append(_StandInFinder)


_PLOTTING_MISSING: set = set()
_PLOTTING_CHECKED: list = []


def _load_op(state: _State, request: dict) -> dict:
    # The warm child installs the stand-in finder before importing; its exercise children
    # inherit it, and each reports where its wanted names were defined (``foreign``).
    stub_modules.install([str(p) for p in request.get("stub_modules") or ()])
    files = request.get("files")
    if files is None:
        # An exercise child of a warm child is asked only which names it has: its files were
        # written and imported before the fork, and sending them again costs every exercise.
        if state.written is None:
            return {"ok": False, "error": {"type": "ProtocolError", "mro": [], "message": "load without files before any", "traceback": ""}}
        files = state.written
    reply = _load(state, files, request.get("want", []))
    if isinstance(reply, dict) and isinstance(reply.get("found"), dict):
        reply["foreign"] = _foreign(state, reply["found"])
    return reply


def _end_op(state: _State, request: dict) -> dict:
    if not state.exercise:
        return {"ok": False, "error": {"type": "ProtocolError", "mro": [], "message": "end outside an exercise", "traceback": ""}}
    _exit_now(0)
    return {}


def _load(state: _State, files: dict, want: list) -> dict:
    _install_plotting_stand_ins()
    _write_files(state, files)
    # Files that define a wanted name first: a student's transformer_layers.py (which imports
    # torch, seconds on a laptop) is then not imported to grade a numpy function from another
    # file. The other files are imported only if a name is still missing (e.g. re-exported).
    defining = [rel for rel in sorted(files) if any(sources.defines(files[rel], name) for name in want)]
    _import_files(state, defining, state.import_errors)
    relevant = defining
    if any(_find(state, name) is None for name in want):
        _import_files(state, [rel for rel in sorted(files) if rel not in defining], state.import_errors)
        relevant = sorted(files)
    stems = {Path(rel).stem for rel in relevant}
    import_errors = {m: text for m, text in state.import_errors.items() if m in stems}
    found = {}
    for wanted in want:
        owner = _find(state, wanted)
        if owner is not None:
            found[wanted] = owner
    return {"ok": True, "found": found, "import_errors": import_errors}


def _write_files(state: _State, files: dict) -> None:
    """Writes the submission into the scratch folder and puts its folders on ``sys.path`` (once)."""
    if state.written == files:
        return                                   # an exercise child of a warm child: done there
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
    state.written = dict(files)


def _foreign(state: _State, found: dict) -> dict:
    """Wanted names bound to an object that no submission file defines → its module."""
    workdir = state.workdir.resolve()
    out = {}
    for name, owner in found.items():
        # Decided once in the warm child, before any exercise ran student code: its exercise
        # children inherit the answer (and a student's call cannot change it afterwards).
        key = (name, owner)
        if key not in state.origins:
            state.origins[key] = ownership.origin(vars(state.modules[owner]).get(name), workdir)
        if state.origins[key] is not None:
            out[name] = state.origins[key]
    return out


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
    t = type(value)
    if t is int or t is float or t is str or t is bool or value is None or t is np.ndarray:
        return value                             # most arguments: nothing to resolve
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


def _stream_calls(state: _State, request: dict, wfile: BinaryIO) -> None:
    """Runs each call of a ``call_many`` request in turn and writes its reply as soon as it
    returns, so that a call that hangs or kills the process costs only the calls after it."""
    for call in request["calls"]:
        try:
            reply = _handle(state, call)         # a module global: patched as for "call"
        except BaseException as exc:             # one call's exception is that call's reply
            reply = {"ok": False, "error": _describe(exc, state.workdir)}
        try:
            payload = codec.encode(reply, max_str=REPLY_MAX_STR)
        except BaseException as exc:
            payload = codec.encode({"ok": False, "error": _describe(exc, state.workdir)}, max_str=REPLY_MAX_STR)
        write_frame(wfile, payload)


def _pick(value: Any, path) -> Any:
    try:
        for step in path:
            value = value[step]
        return value
    except Exception:
        return codec.Opaque(f"nothing at {list(path)} of a {type(value).__name__}")


def _fork_exercise(state: _State, request: dict) -> dict:
    """Forks an exercise child (see the module docstring); in the warm child, returns the
    :data:`ENDED` report once the exercise child is gone, as the reply to write."""
    if state.exercise:
        raise RuntimeError("an exercise child cannot fork another")
    torch = sys.modules.get("torch")
    if torch is not None:
        # Children of a process that ran OpenMP with several threads hang in their first
        # parallel op; the student's imports may have run one.
        torch.set_num_threads(1)
    sys.stdout.flush()
    sys.stderr.flush()
    # What the imports created is never collected in an exercise child, so the child's garbage
    # collector does not touch (and copy) the pages holding it.
    gc.freeze()
    # Looked up here, not in the exercise child: every page a fresh child touches is a
    # copy-on-write fault, and reading /proc or dlopen-ing libc there costs 3 ms per exercise.
    linux = sys.platform.startswith("linux")
    vm_size = _vm_size() if linux and request.get("memory_bytes") else 0
    prctl = _prctl() if linux else None
    pid = os.fork()
    if pid == 0:
        state.exercise = True
        try:
            _limit_exercise(request, vm_size, prctl)
            for hook in AFTER_FORK:
                hook()
        except BaseException as exc:
            print(f"exercise child setup failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            _exit_now(FORK_SETUP_FAILED_EXIT)
        return {"ok": True, "forked": os.getpid()}
    return {"$ended": _await_exercise(pid, float(request.get("wall_s", 10.0)) + _WALL_SLACK_S)}


def _limit_exercise(request: dict, vm_size: int, prctl) -> None:
    """Lowers the inherited rlimits to the exercise's own (an unprivileged process may lower).

    CPU: ``cpu_s`` rounded up, soft = hard, so the kernel kills at the limit; the count starts
    at 0 in the new process. Address space (Linux): ``vm_size`` (bytes mapped after the
    submission's imports, read by the parent just before the fork) plus ``memory_bytes``, so
    importing torch (CPU or CUDA build) never eats into the budget while a memory bomb still
    meets the limit. ``prctl``: from :func:`_prctl` (Linux), or None.
    """
    import resource

    def lower(res: int, value: int) -> None:
        soft, hard = resource.getrlimit(res)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(res, (value, value))

    if request.get("cpu_s"):
        lower(resource.RLIMIT_CPU, max(1, int(-(-float(request["cpu_s"]) // 1))))
    if request.get("memory_bytes") and vm_size:
        lower(resource.RLIMIT_AS, vm_size + int(request["memory_bytes"]))
    if prctl is not None:
        _parent_death_signal(prctl)


def _vm_size() -> int:
    """Bytes of address space this process maps (Linux ``/proc/self/statm``, first field)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


_PRCTL: list = []


def _prctl():
    """libc's ``prctl`` through ctypes, looked up once per process (None where it cannot be)."""
    if not _PRCTL:
        try:
            import ctypes

            _PRCTL.append(ctypes.CDLL(None, use_errno=True).prctl)
        except Exception:
            _PRCTL.append(None)
    return _PRCTL[0]


def _parent_death_signal(prctl) -> None:
    """Asks the kernel to SIGKILL this process when its parent dies (Linux; best effort: the
    sandbox's seccomp policy refuses it, and there the pid namespace does the same job)."""
    try:
        import signal

        prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _await_exercise(pid: int, wall_s: float) -> dict:
    """Waits for an exercise child, killing it ``wall_s`` seconds after the fork; returns how it ended."""
    import select
    import signal

    deadline = time.monotonic() + wall_s
    killed_by = None
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    try:
        while True:
            left = None if killed_by else max(0.0, deadline - time.monotonic())
            if pidfd is not None:
                if select.select([pidfd], [], [], left)[0]:
                    break
            else:                                    # macOS: poll (no pidfd)
                got, status, usage = os.wait4(pid, os.WNOHANG)
                if got == pid:
                    return _ended(status, usage, killed_by)
                time.sleep(0.005 if left is None else min(0.005, left))
            if not killed_by and time.monotonic() >= deadline:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                killed_by = "wall"
    finally:
        if pidfd is not None:
            os.close(pidfd)
    _, status, usage = os.wait4(pid, 0)
    return _ended(status, usage, killed_by)


def _ended(status: int, usage, killed_by: str | None) -> dict:
    return {
        "returncode": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "killed_by": killed_by,
    }


def _exit_now(code: int) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code)


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
