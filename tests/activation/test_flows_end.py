"""activation.services.flows_end: the one way another app ends activations in progress."""

from typing import Any

import pytest
from django.test import Client

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.activation.services import flows_end
from portique.core import clock
from portique.core.models import AuditEvent, OneTimeLink
from tests.factories import DemoPerson
from tests.support.mail import last_link

pytestmark = pytest.mark.django_db

RECOVERY = "ada.perso@example.com"


def waiting_for_the_recovery_link(walker: Any) -> str:
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    return last_link(RECOVERY)


def test_flows_end_ends_the_flow_revokes_its_links_and_audits_the_reason(
    staff: DemoPerson, walker_for: Any
) -> None:
    waiting_for_the_recovery_link(walker_for(staff))

    (ended,) = flows_end(logins=[staff.login], actor="hr.agent", reason="some_reason")

    assert (ended.login, ended.state, ended.links_revoked) == (
        staff.login,
        State.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
        1,
    )
    assert not OneTimeLink.objects.filter(revoked_at__isnull=True, used_at__isnull=True).exists()
    row = AuditEvent.objects.get(action="some_reason")
    assert (row.actor, row.subject, row.data["links_revoked"]) == ("hr.agent", staff.login, 1)


def test_a_link_of_an_ended_flow_no_longer_opens_it(staff: DemoPerson, walker_for: Any) -> None:
    link = waiting_for_the_recovery_link(walker_for(staff))
    flows_end(logins=[staff.login], actor="hr.agent", reason="some_reason")

    browser = Client()
    browser.get(link)

    assert browser.post("/activation/lien/").status_code in (400, 410)


def test_flows_end_leaves_activated_flows_and_other_people_alone(
    staff: DemoPerson, student: DemoPerson, walker_for: Any
) -> None:
    waiting_for_the_recovery_link(walker_for(staff))

    assert flows_end(logins=[student.login], actor="hr.agent", reason="some_reason") == []
    assert ActivationFlow.objects.get(login=staff.login).expires_at > clock.now()
