"""Refused API requests, counted per hour: what the operator dashboard charts by error code and by
endpoint. Prometheus keeps the same counts, but only since each worker started and only where a
Prometheus server scrapes them; the dashboard needs a week, from the database."""

from __future__ import annotations

from django.db import models


class HourlyRefusal(models.Model):
    hour = models.DateTimeField(help_text="The hour the refusals were answered in (UTC, minutes zeroed).")
    route = models.CharField(max_length=200, help_text='The URL template, or "unmatched".')
    method = models.CharField(max_length=10)
    status = models.PositiveSmallIntegerField()
    codes = models.CharField(
        max_length=200, blank=True, help_text="The refusal's distinct error codes, sorted, comma-separated."
    )
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "route", "method", "status", "codes"], name="hourlyrefusal_unique_key"
            )
        ]
        indexes = [models.Index(fields=["hour"], name="hourlyrefusal_hour_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.method} {self.route} {self.status} x{self.count}"
