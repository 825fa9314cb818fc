"""The server's one options object: built from CLI flags (or by tests), validated once, passed down."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from newstrace.embed import ENCODERS
from newstrace.index.store import default_index_dir
from newstrace.options import TRACE_ENCODER

LOOPBACK_NAMES = ("localhost",)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ServeOptions:
    """Where the server listens, what it serves, and how much work it takes on at once."""

    #: The index folder (created when missing); the only place on disk the server reads or writes.
    index: Path = field(default_factory=default_index_dir)
    #: Loopback by default: the API has no users, only an optional token for writes.
    host: str = "127.0.0.1"
    port: int = 8000
    #: When set, POST/DELETE on /api/documents need `Authorization: Bearer TOKEN`.
    token: str | None = None
    #: A request body over this many bytes is refused with 413 before it is parsed.
    max_body: int = 5_000_000
    #: Worker processes for the comparison core (CPU-bound): one per core by default.
    workers: int = field(default_factory=_cores)
    #: Requests that may wait for a worker beyond those running; more get 503 with Retry-After.
    queue: int = 16
    #: Seconds a client told 503 is asked to wait before retrying.
    retry_after: int = 1
    #: Encoders loaded in every worker at start (a request may ask for either of these).
    encoders: tuple[str, ...] = ENCODERS
    #: Default encoders of the two endpoints, as the CLI's `compare` and `trace`.
    compare_encoder: str = "minilm"
    trace_encoder: str = TRACE_ENCODER
    #: A write waits this long for another process's write lock (a running `index add`), then 503.
    lock_timeout: float = 10.0
    #: Worker processes run at this lower priority, so the event loop (and /healthz) stays responsive.
    worker_nice: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", Path(self.index))
        if not self.host.strip():
            raise ValueError("host is empty; give an address such as 127.0.0.1")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {self.port}")
        if self.token is not None and not self.token.strip():
            raise ValueError("token is empty; give a secret, or leave --token out")
        if self.max_body < 1024:
            raise ValueError(f"max_body must be at least 1024 bytes, got {self.max_body}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.lock_timeout <= 0:
            raise ValueError(f"lock_timeout must be positive, got {self.lock_timeout}")
        if self.queue < 0 or self.retry_after < 1:
            raise ValueError("queue must be >= 0 and retry_after >= 1")
        if not 0 <= self.worker_nice <= 19:
            raise ValueError(f"worker_nice must be in 0..19, got {self.worker_nice}")
        unknown = [e for e in (*self.encoders, self.compare_encoder, self.trace_encoder) if e not in ENCODERS]
        if unknown:
            raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {unknown[0]!r}")
        for name in (self.compare_encoder, self.trace_encoder):
            if name not in self.encoders:
                raise ValueError(f"the default encoder {name!r} is not among the loaded encoders")

    @property
    def loopback(self) -> bool:
        """True when only this machine can reach the server."""
        if self.host in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def warnings(self) -> list[str]:
        """What a person starting the server should know about these settings."""
        if self.loopback:
            return []
        if self.token is None:
            return [
                f"binding to {self.host}, reachable beyond this machine, with no --token: "
                "anyone who can reach it can add and delete documents"
            ]
        return [f"binding to {self.host}, reachable beyond this machine (writes need the token; reads do not)"]

    @property
    def slots(self) -> int:
        """Requests for the core taken on at once: running plus waiting."""
        return self.workers + self.queue
