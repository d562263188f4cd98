"""Why a student process stopped, in the words the student reads (catalogue domain ``feedback``).

Results keep these sentences in English; feedback pages and ``check --lang ko`` show them in the
reader's language by matching each line against its template (:mod:`grader.report.phrases`).
:data:`SENTENCES` are whole lines; :data:`FRAGMENTS` only fill their ``{what}`` and ``{reason}``
fields (worded by :mod:`grader.sandbox.exits`, :mod:`grader.runner.local` and
:mod:`grader.runner.warm`). Nothing here runs in the student's process.
"""
from __future__ import annotations

from grader.i18n import N_

# What the process was doing ({what}).
IMPORTING = N_("importing your files")
RUNNING = N_("running {func}")
COUNTING = N_("counting parameters")

# Why it stopped ({reason}).
CPU_LIMIT = N_("CPU time limit of {seconds} s")
WALL_LIMIT = N_("wall-clock limit of {seconds} s")
MEMORY_LIMIT = N_("memory limit of {size}")
MEMORY_ERROR = N_("memory limit of {size} (MemoryError)")
KILLED_BY = N_("killed by {signal}")
EXITED = N_("exited with code {code}")
EXITED_EARLY = N_("exited with code {code} before answering")
OUTPUT_FLOOD = N_("output flood: more than {size} written to stdout/stderr")
FRAME_TOO_LARGE = N_("reply frame of {size} bytes exceeds the cap of {cap}")
ZYGOTE_DIED = N_("the sandbox zygote died")
STOPPED = N_("stopped by the grader")
STOPPED_EARLY = N_("stopped by the grader before answering")
UNKNOWN = N_("ended for an unknown reason")

# Whole lines of an aborted exercise's message.
TIMED_OUT = N_("timed out while {what}: the wall-clock limit is {seconds} s (look for an infinite loop or a very slow "
               "loop over elements)")
ENDED_SLOW = N_("your code's process ended while {what}: {reason} (look for an infinite loop or a very slow loop over "
                "elements)")
ENDED_CRASH = N_("your code's process ended while {what}: {reason} (exit(), sys.exit() or os._exit() in your code, a "
                 "crash in native code, or too much memory end the process)")
LAST_OUTPUT = N_("last output:")

SENTENCES = (TIMED_OUT, ENDED_SLOW, ENDED_CRASH, LAST_OUTPUT)
FRAGMENTS = (IMPORTING, RUNNING, COUNTING, CPU_LIMIT, WALL_LIMIT, MEMORY_LIMIT, MEMORY_ERROR, KILLED_BY, EXITED, EXITED_EARLY,
             OUTPUT_FLOOD, FRAME_TOO_LARGE, ZYGOTE_DIED, STOPPED, STOPPED_EARLY, UNKNOWN)
