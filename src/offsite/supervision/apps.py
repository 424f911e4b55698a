from __future__ import annotations

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "offsite.supervision"
    label = "supervision"
    verbose_name = "Events, their lifecycle and the sweeper"

    def ready(self) -> None:
        """Be the judge of what intake reads (see `intake.judging`)."""
        from offsite.intake import judging as intake_judging
        from offsite.supervision.judging import EventJudge

        intake_judging.register(EventJudge())
