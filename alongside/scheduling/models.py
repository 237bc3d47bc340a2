"""One row per periodic job per time slot, claimed by the scheduler that enqueues it."""

from __future__ import annotations

from django.db import models


class PeriodicRun(models.Model):
    """A claim on one slot of one periodic job. The unique constraint is what lets any number of
    schedulers run on any number of machines: each inserts the row with insert-or-ignore, and only the
    one whose insert took effect enqueues the task for that slot."""

    job = models.CharField(max_length=100)
    slot_start = models.DateTimeField(help_text="The start of the period, the time floored to the job's interval.")
    claimed_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=200, help_text="host:pid of the scheduler that enqueued it.")
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-slot_start"]
        constraints = [models.UniqueConstraint(fields=["job", "slot_start"], name="one_periodic_run_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot_start.isoformat()}"
