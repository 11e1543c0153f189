"""The webhooks' job for `flask worker` (eventsite/core/worker.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.jobs import JobRegistry, Outcome
from .delivery import deliver_due

WEBHOOKS_INTERVAL = 2.0


def register_jobs(registry: JobRegistry) -> None:
    registry.add("webhooks", WEBHOOKS_INTERVAL, send_webhooks)


def send_webhooks(should_stop: Callable[[], bool]) -> Outcome:
    """The due webhook deliveries; at once again after a batch that settled any."""
    report = deliver_due(should_stop=should_stop)
    if not (report.delivered or report.retrying or report.failed):
        return Outcome()
    summary = f"delivered {report.delivered}, to retry {report.retrying}, given up {report.failed}"
    return Outcome(summary, more=bool(report.delivered or report.failed))
