"""Service hours of the human agents (default 9:00-22:00, Asia/Shanghai).

Configured by ``HANDOFF_SERVICE_HOURS`` (``"09:00-22:00"``; ``"00:00-24:00"`` for always open)
and ``HANDOFF_TIMEZONE`` (an IANA zone name, default ``Asia/Shanghai``), which ``kefu.settings``
validates at start; :meth:`ServiceHours.parse` reads them with the settings' own checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kefu.settings import current
from kefu.settings_values import daily_span, time_zone

DEFAULT_HOURS = "09:00-22:00"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class ServiceHours:
    """Daily opening hours in a time zone; ``closes`` may be 24:00."""

    opens: dt.time
    closes_minutes: int  # minutes after midnight, up to 1440
    zone: ZoneInfo

    @classmethod
    def parse(cls, span: str = DEFAULT_HOURS, timezone: str = DEFAULT_TIMEZONE) -> ServiceHours:
        """Reads ``"HH:MM-HH:MM"`` in an IANA time zone.

        Raises:
            SettingsError: naming the variable and the expected form.
        """
        opens, closes = daily_span("HANDOFF_SERVICE_HOURS", span)
        zone = ZoneInfo(time_zone("HANDOFF_TIMEZONE", timezone, DEFAULT_TIMEZONE))
        return cls(dt.time(opens // 60, opens % 60), closes, zone)

    @classmethod
    def from_environment(cls) -> ServiceHours:
        settings = current()  # HANDOFF_SERVICE_HOURS, HANDOFF_TIMEZONE: validated at start
        return cls.parse(settings.handoff_service_hours, settings.handoff_timezone)

    @property
    def always_open(self) -> bool:
        return self.opens == dt.time(0, 0) and self.closes_minutes == 1440

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(self.zone)
        minutes = local.hour * 60 + local.minute
        return self.opens.hour * 60 + self.opens.minute <= minutes < self.closes_minutes

    def next_opening(self, now: dt.datetime) -> dt.datetime:
        """The next moment the service opens (``now`` itself when open), in the service's zone."""
        local = now.astimezone(self.zone)
        if self.is_open(now):
            return local
        today = dt.datetime.combine(local.date(), self.opens, tzinfo=self.zone)
        return today if local < today else today + dt.timedelta(days=1)

    def describe(self) -> str:
        closes = f"{self.closes_minutes // 60:02d}:{self.closes_minutes % 60:02d}"
        return f"{self.opens:%H:%M}-{closes} {self.zone.key}"
