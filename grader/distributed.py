"""Grading a batch on a Dask distributed cluster: ``deepgrade grade --scheduler tcp://HOST:8786``.

Optional (``pip install deepgrade[dask]``); nothing else in the grader imports Dask, so the local
path needs none of it. Division of labour:

* the **client** (the ``grade`` command) reads each submission, looks it up in the gradebook,
  sends the files to the cluster, and commits each result itself, one transaction per
  submission, exactly as a local batch does (:func:`grader.api.grade_batch` with
  ``grade_one=``);
* each **worker** grades whole submissions with :func:`grade_on_worker`, keeping one backend per
  worker process (its own zygote, slots and uid range for the sandbox) and one case bank per
  secret, so both are paid for once per worker, not per submission.

Fault behaviour (Dask's, see the research notes): a task whose worker dies is run again
elsewhere; the client sees each future resolve once, so a submission is committed once. A task
that kills every worker it lands on ends in ``KilledWorker``, reported for that submission only.
Each wait has a timeout, so a cluster without workers cannot hang the client forever.

Security: the course secret travels to the workers with each task (it seeds the hidden cases),
and Dask's scheduler has no authentication by default: bind it to a private interface
(``--host``) or use ``tls://`` addresses.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Mapping, Sequence

from grader.runner.backend import Limits
from grader.submission import Submission

if TYPE_CHECKING:
    from grader.results import SubmissionResult

# Client-side bound on one submission's round trip through the cluster, on top of its grading
# time, in seconds (queueing behind other tasks, a worker restart).
QUEUE_SLACK_S = 600.0

_WORKER_LOCK = threading.Lock()
_WORKER_BACKENDS: dict = {}
_WORKER_BANKS: dict = {}


def grade_on_worker(submission: Submission, assignments: Sequence[str], secret: str,
                    limits: Limits | None, sandbox: bool, contract_name: str = "deepgrade",
                    overrides: Mapping[str, Sequence[str]] | None = None, stub_modules: Sequence[str] = (),
                    only: Sequence[str] | None = None) -> "SubmissionResult":
    """Grades one submission on a Dask worker; returns its result (frozen, plain data).

    Args:
        submission: the student's files (read by the client).
        assignments: assignment names.
        secret: course secret (seeds hidden cases).
        limits: overrides the exercises' limits, or ``None``.
        sandbox: grade in the sandbox (Linux, root) rather than unconfined processes.
        contract_name, overrides: the course contract, rebuilt here with
            :func:`grader.contracts.contract` (plain data travels, not the object).
        stub_modules: module patterns imported as empty stand-ins when missing.
        only: grade only these exercise names (``-k``, ``--regrade``); ``None``: all of them.
    Returns:
        The :class:`~grader.results.SubmissionResult`.
    Raises:
        SandboxUnavailable: ``sandbox`` was asked for and this worker cannot provide it (the
            client reports it for this submission).
    """
    from grader import contracts
    from grader.api import CaseBank, grade_submission, select_exercises

    exercises = [ex for ex in select_exercises(assignments) if only is None or ex.name in only]
    contract = contracts.contract(contract_name, overrides)
    with _WORKER_LOCK:
        backend = _WORKER_BACKENDS.get(sandbox)
        if backend is None:
            backend = _WORKER_BACKENDS[sandbox] = _make_backend(sandbox)
        bank = _WORKER_BANKS.get(secret)
        if bank is None:
            bank = _WORKER_BANKS[secret] = CaseBank(secret)
    return grade_submission(submission, exercises, bank=bank, backend=backend, limits=limits,
                            stub_modules=stub_modules, contract=contract)


def _make_backend(sandbox: bool):
    if not sandbox:
        from grader.runner.local import LocalBackend

        return LocalBackend()
    from grader.sandbox import SandboxBackend

    try:
        from distributed import get_worker

        slots = max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        slots = None
    backend = SandboxBackend(slots=slots)
    backend.start()
    return backend


class DaskGrader:
    """Grades submissions on a Dask cluster; called from the client's batch threads.

    Args:
        address: the scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
        assignments: assignment names.
        secret: course secret.
        limits: overrides the exercises' limits.
        sandbox: whether workers use the sandbox.
        timeout_s: longest wait for one submission, seconds (default: every exercise's wall
            limit three times over, plus the import limit, plus :data:`QUEUE_SLACK_S`).
        connect_timeout_s: how long to wait for the scheduler, seconds.
        contract: the course's :class:`grader.contracts.Contract` (default ``deepgrade``).
        stub_modules: module patterns imported as empty stand-ins when missing.
        only: exercise names to grade (``-k``, ``--regrade``); ``None``: every exercise.
    Raises:
        ImportError: Dask is not installed (``pip install deepgrade[dask]``).
        OSError / TimeoutError: the scheduler cannot be reached.
    """

    def __init__(self, address: str, assignments: Sequence[str], *, secret: str, limits: Limits | None = None,
                 sandbox: bool = True, timeout_s: float | None = None, connect_timeout_s: float = 30.0,
                 contract=None, stub_modules: Sequence[str] = (), only: Sequence[str] | None = None):
        from distributed import Client

        from grader.api import select_exercises

        self.assignments = list(assignments)
        self.secret = secret
        self.limits = limits
        self.sandbox = sandbox
        # Plain data for the workers: the contract's name and the course's overrides.
        self.contract_name = contract.name if contract is not None else "deepgrade"
        self.overrides = {k: list(v) for k, v in contract.overrides.items()} if contract is not None else {}
        self.stub_modules = tuple(stub_modules)
        self.only = list(only) if only is not None else None
        if timeout_s is None:
            chosen = [limits or ex.limits for ex in select_exercises(self.assignments)]
            timeout_s = sum(3 * c.wall_s for c in chosen) + max(c.import_s for c in chosen) + QUEUE_SLACK_S
        self.timeout_s = timeout_s
        self.client = Client(address, timeout=connect_timeout_s, set_as_default=False)

    def threads(self) -> int:
        """Worker threads in the cluster now (at least 1): how many submissions to keep in flight."""
        info = self.client.scheduler_info()
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))

    def __call__(self, submission: Submission) -> "SubmissionResult":
        """Grades one submission on the cluster and returns its result.

        Raises:
            Exception: what the task raised (e.g. ``KilledWorker`` for a submission that killed
                every worker it ran on), or ``TimeoutError``.
        """
        future = self.client.submit(grade_on_worker, submission, self.assignments, self.secret, self.limits,
                                    self.sandbox, self.contract_name, self.overrides, self.stub_modules, self.only,
                                    pure=False, key=f"grade-{submission.digest[:16]}-{id(submission):x}")
        try:
            return future.result(timeout=self.timeout_s)
        finally:
            future.release()

    def close(self) -> None:
        """Disconnects from the scheduler (the cluster keeps running)."""
        self.client.close()

    shutdown = close                      # so the CLI can treat it like a backend


def connect(address: str, assignments: Sequence[str], **kwargs) -> DaskGrader:
    """A :class:`DaskGrader` for the CLI, with Dask's absence explained.

    Raises:
        click.ClickException: Dask is missing or the scheduler cannot be reached.
    """
    import click

    try:
        return DaskGrader(address, assignments, **kwargs)
    except ImportError:
        raise click.ClickException("--scheduler needs Dask: pip install 'deepgrade[dask]'") from None
    except (OSError, TimeoutError) as exc:
        raise click.ClickException(f"cannot reach the Dask scheduler at {address}: {exc}") from None
