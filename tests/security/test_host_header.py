"""The Host header: a host not in ALLOWED_HOSTS is refused before anything happens, and
mailed links never take their address from it."""

from django.conf import settings

from portique.core.models import OneTimeLink
from portique.mail.models import OutboundMail
from tests.factories import DemoPerson
from tests.security.conftest import RECOVERY, STEP_3, MakeWalker
from tests.support.mail import last_link


def test_step_3_posted_with_a_foreign_host_is_refused_and_sends_no_mail(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()
    walker.give_provisional_password()

    response = walker.client.post(
        STEP_3,
        {"recovery_email": RECOVERY, "recovery_email_confirmation": RECOVERY},
        HTTP_HOST="evil.example",
    )

    assert response.status_code == 400
    assert not OutboundMail.objects.exists()
    assert not OneTimeLink.objects.exists()


def test_mailed_link_points_to_the_base_url_whatever_the_host_asked(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()
    walker.give_provisional_password()

    walker.client.post(
        STEP_3,
        {"recovery_email": RECOVERY, "recovery_email_confirmation": RECOVERY},
        HTTP_HOST="localhost",  # allowed, yet not the portal's public address
    )

    body = OutboundMail.objects.get().body_text
    assert last_link(RECOVERY)  # the mail did carry a link
    assert settings.PORTIQUE_BASE_URL + "/activation/lien/" in body
    assert "localhost" not in body
