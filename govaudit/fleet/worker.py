"""The Celery app of a fleet and its one task: audit one site.

Everything a queue needs is Celery's (and Redis's): delivery, acknowledgement after the audit
(`acks_late`: a worker that dies mid-audit leaves its message to be redelivered; `reject_on_worker_lost`:
a killed pool process requeues it at once), retries with exponential backoff when the start page does
not answer (`autoretry_for`), one message prefetched per process, monitoring events for Flower and
`celery inspect`. What is ours: the per-host politeness lock (a redis-py Lock, extended while the audit
runs) and running the audit in a process of its own (govaudit.fleet.audit).

Settings come from the environment so that every process of a worker (and the enqueuer) agrees:
GOVAUDIT_BROKER, GOVAUDIT_DB, GOVAUDIT_REPORTS, and the timing knobs of `FleetSettings`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import billiard  # type: ignore[import-untyped]
import redis
from celery import Celery, Task
from celery.signals import worker_process_init

from govaudit import procs
from govaudit.fleet.jobs import AuditJob, AuditOutcome
from govaudit.profile import ConfigError

TASK = "govaudit.audit_site"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_DB = "var/audit.sqlite"
DEFAULT_REPORTS = "var/fleet/sites"
HOST_LOCK = "govaudit:host:{host}"
# Set when a site's audit of a night is over: a message delivered again after that (its worker lost the
# broker before acknowledging, or was killed between the end of the audit and the ack) is not re-audited.
DONE = "govaudit:done:{night}:{site}"
DONE_TTL = 3 * 24 * 3600


@dataclass(frozen=True)
class FleetSettings:
    """Timing of the queue, from GOVAUDIT_FLEET_* variables (seconds; retries a count)."""

    # Longer than the longest audit: Redis hands an unacknowledged message to another worker after it.
    visibility_timeout: int = 6 * 3600
    # An audit still running then is stopped (its run marked interrupted) before it could be redelivered.
    time_limit: int = 5 * 3600
    retries: int = 3  # further tries of an unreachable start page (then recorded as failed)
    backoff: int = 60  # first retry after up to this, doubling (with jitter) up to backoff_max
    backoff_max: int = 1800
    lock_ttl: int = 60  # the host lock of a worker that died frees itself after this

    @classmethod
    def from_env(cls) -> FleetSettings:
        names = {"visibility_timeout": "VISIBILITY_TIMEOUT", "time_limit": "TIME_LIMIT", "retries": "RETRIES",
                 "backoff": "BACKOFF", "backoff_max": "BACKOFF_MAX", "lock_ttl": "LOCK_TTL"}
        values: dict[str, int] = {}
        for field, name in names.items():
            raw = os.environ.get(f"GOVAUDIT_FLEET_{name}")
            if raw:
                try:
                    values[field] = int(raw)
                except ValueError:
                    raise ConfigError(f"GOVAUDIT_FLEET_{name}={raw!r} is not a whole number") from None
        settings = cls(**values)
        if settings.time_limit >= settings.visibility_timeout:
            raise ConfigError("GOVAUDIT_FLEET_TIME_LIMIT must be shorter than GOVAUDIT_FLEET_VISIBILITY_TIMEOUT"
                              " (or a running audit is delivered twice)")
        return settings


SETTINGS = FleetSettings.from_env()

# A fleet audit keeps to one core: the worker's concurrency is the fleet's unit of parallelism. Parse
# workers, forked check processes and a second browser pay off for one large site audited alone; beside
# other audits they only compete for the same cores (and each costs its start-up). An operator's own
# value of a variable wins.
SINGLE_CORE = {"GOVAUDIT_PARSE_WORKERS": "0", "GOVAUDIT_CHECK_WORKERS": "1", "GOVAUDIT_BROWSER_WORKERS": "1"}


def audit_env() -> dict[str, str]:
    """The environment of an audit process: the worker's, with the single-core defaults."""
    return {**SINGLE_CORE, **os.environ}


class TryAgain(Exception):
    """The start page did not answer, or the site's store lock was held: Celery retries with backoff."""


def make_app() -> Celery:
    broker = os.environ.get("GOVAUDIT_BROKER") or DEFAULT_BROKER
    app = Celery("govaudit", broker=broker, backend=broker, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # unacked_restore_throttle 1: every 10 s (not every 100 s, kombu's default) a worker looks for messages
        # whose worker died more than visibility_timeout ago and puts them back on the queue
        broker_transport_options={"visibility_timeout": SETTINGS.visibility_timeout, "unacked_restore_throttle": 1},
        result_backend_transport_options={"visibility_timeout": SETTINGS.visibility_timeout},
        task_time_limit=SETTINGS.time_limit,
        worker_send_task_events=True,
        task_send_sent_event=True,
        task_track_started=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        timezone="Asia/Taipei",
        # a worker's defaults (govaudit worker --db/--reports/--offline set them before it starts)
        govaudit_db=os.environ.get("GOVAUDIT_DB") or DEFAULT_DB,
        govaudit_reports=os.environ.get("GOVAUDIT_REPORTS") or DEFAULT_REPORTS,
        govaudit_offline=os.environ.get("GOVAUDIT_OFFLINE", "") not in ("", "0"),
    )
    return app


app = make_app()


@worker_process_init.connect
def _die_with_worker(**_: Any) -> None:
    """A pool process ends with the worker that started it (kill -9 of the worker included); its audit
    process, whose death signal is SIGTERM, then records the run as interrupted."""
    procs.die_with_parent(os.getppid())


@contextmanager
def host_lock(client: redis.Redis, host: str, ttl: int) -> Iterator[None]:
    """Politeness across workers: one audit per host at a time. Blocks until the host is free; the lock
    expires `ttl` seconds after its holder stops extending it (a killed worker does not hold it forever)."""
    lock = client.lock(HOST_LOCK.format(host=host), timeout=ttl, sleep=0.5, thread_local=False)
    lock.acquire(blocking=True)
    stop = threading.Event()

    def extend() -> None:
        while not stop.wait(ttl / 3):
            try:
                lock.reacquire()
            except redis.RedisError:  # Redis restarting: try again at the next beat, the TTL leaves room
                continue

    beat = threading.Thread(target=extend, name=f"host-lock {host}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()
        try:
            lock.release()
        except redis.RedisError:  # expired or Redis gone: it frees itself
            pass


# Audits are forked from a forkserver that loaded the runner and compiled the report once (zygote.py), one
# per pool process, started with its first audit and ending with it. Billiard's (Celery's multiprocessing):
# the stdlib's refuses to start from a pool process that billiard made.
FORKSERVER = billiard.get_context("forkserver")
FORKSERVER.set_forkserver_preload(["govaudit.fleet.zygote"])


def run_audit_process(job: AuditJob, *, db: str, out: Path, final: bool) -> AuditOutcome:
    """govaudit.fleet.audit in a process forked by the forkserver, in a session of its own, dying
    (SIGTERM) with this process, on one core (audit_env)."""
    from govaudit.fleet import audit  # noqa: PLC0415  (the runner: only in the pool processes that audit)

    with tempfile.TemporaryDirectory(prefix=procs.temp_prefix()) as tmp:
        job_file, outcome_file = Path(tmp, "job.json"), Path(tmp, "outcome.json")
        job_file.write_text(job.model_dump_json(), encoding="utf-8")
        argv = ["--job", str(job_file), "--outcome", str(outcome_file), "--db", db, "--out", str(out)]
        argv += ["--final"] if final else []
        # GOVAUDIT_FLEET_TIMELINE=DIR (bench/fleet.py): each audit appends its phases and its CPU to DIR/KEY.jsonl
        argv += ["--timeline", os.environ["GOVAUDIT_FLEET_TIMELINE"] + f"/{job.site.key}.jsonl"] \
            if os.environ.get("GOVAUDIT_FLEET_TIMELINE") else []
        proc = FORKSERVER.Process(target=audit.forked, args=(argv, audit_env()), name=f"audit {job.site.key}")
        proc.start()
        try:
            proc.join()
        except BaseException:  # a time limit or shutdown in this process: the audit records the stop
            assert proc.pid is not None
            procs.end_group(proc.pid, grace=30, alive=proc.is_alive)
            if proc.is_alive():  # stopped before it made its own session (billiard's Process has no kill())
                os.kill(proc.pid, signal.SIGKILL)
            proc.join()
            raise
        code = proc.exitcode
        assert proc.pid is not None
        procs.kill_group(proc.pid)
        proc.close()
        if outcome_file.exists():
            return AuditOutcome.model_validate_json(outcome_file.read_text(encoding="utf-8"))
    return AuditOutcome(site=job.site.name, group=job.site.group, kind="crashed", exit_code=code,
                        error=f"the audit process exited with code {code} without an outcome")


@app.task(bind=True, name=TASK, acks_late=True, reject_on_worker_lost=True,
          autoretry_for=(TryAgain, redis.ConnectionError),
          max_retries=SETTINGS.retries, retry_backoff=SETTINGS.backoff, retry_backoff_max=SETTINGS.backoff_max,
          retry_jitter=True)
def audit_site(self: Task, job_data: dict[str, Any]) -> dict[str, Any]:
    job = AuditJob.model_validate(job_data)
    conf = self.app.conf
    db = job.db or conf.govaudit_db
    job = job.model_copy(update={"offline": job.offline or conf.govaudit_offline})
    out = Path(conf.govaudit_reports) / job.site.key
    retries = self.request.retries or 0
    final = retries >= (self.max_retries or 0)
    done_key = DONE.format(night=job.night, site=job.site.key)
    client = redis.Redis.from_url(conf.broker_url)
    try:
        earlier = client.get(done_key)  # a Redis that is down raises: Celery retries the task (autoretry_for)
        if earlier is not None:  # delivered again after its audit was over: the night has it already
            return json.loads(earlier)
        with host_lock(client, job.site.host, SETTINGS.lock_ttl):
            outcome = run_audit_process(job, db=db, out=out, final=final)
        if outcome.kind in ("unreachable", "busy") and not final:
            raise TryAgain(outcome.error)
        result = outcome.model_copy(update={"worker": self.request.hostname or "", "attempts": retries + 1})
        with contextlib.suppress(redis.RedisError):  # the run is recorded; the key only spares a repeat
            client.set(done_key, result.model_dump_json(), ex=DONE_TTL)
    finally:
        client.close()
    return json.loads(result.model_dump_json())
