from typing import Any

from django.core.management.base import BaseCommand

from portique.helpdesk.services import records_purge


class Command(BaseCommand):
    help = (
        "Delete what is past its retention (PORTIQUE_*_RETENTION_DAYS): expired activation "
        "flows, used/expired/revoked links, sent or failed mails, finished mail tasks, old "
        "audit rows, the account sessions' rows of ended sessions; print how many of each."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = records_purge(actor="cli")
        for label, count in (
            ("activation flows", counts.flows),
            ("one-time links", counts.links),
            ("outbox mails", counts.mails),
            ("mail tasks", counts.tasks),
            ("audit events", counts.audit_events),
            ("account sessions", counts.sessions),
        ):
            self.stdout.write(f"{label}: {count} deleted")
