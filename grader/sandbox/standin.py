"""Stand-in serving loops for tests and benchmarks (until and besides ``grader.runner.child``).

Both follow the ``serve(rfile, wfile)`` contract: read request frames until EOF, write replies.
They hold no secrets, so the zygote may import them.
"""
from __future__ import annotations

import json
import traceback

from grader.runner.framing import read_frame, write_frame

_MAX_REQUEST = 64 << 20


def echo_serve(rfile, wfile) -> None:
    """Replies to every request frame with the same bytes."""
    while True:
        try:
            payload = read_frame(rfile, _MAX_REQUEST)
        except EOFError:
            return
        write_frame(wfile, payload)


def exec_serve(rfile, wfile) -> None:
    """A tiny stand-in for the real child: runs student source, calls its functions.

    Requests are JSON objects:

    * ``{"source": "..."}`` executes the source in a fresh namespace (the "submission");
    * ``{"call": "name", "args": [...], "kwargs": {...}}`` calls a function from it.

    Each gets one JSON reply: ``{"ok": value}`` (value must be JSON-serializable; anything else
    is reported as an error, never pickled) or ``{"error": "ExcType: message"}``.
    ``SystemExit`` and ``KeyboardInterrupt`` propagate, like in a real child.
    """
    namespace: dict = {"__name__": "submission"}
    while True:
        try:
            request = json.loads(read_frame(rfile, _MAX_REQUEST))
        except EOFError:
            return
        try:
            if "source" in request:
                exec(compile(request["source"], "submission.py", "exec"), namespace)
                value = None
            else:
                value = namespace[request["call"]](*request.get("args", []),
                                                   **request.get("kwargs", {}))
            reply = json.dumps({"ok": value}, allow_nan=False)
        except Exception as e:
            lines = traceback.format_exception_only(type(e), e)
            reply = json.dumps({"error": lines[-1].strip()[:2000]})
        write_frame(wfile, reply.encode())
