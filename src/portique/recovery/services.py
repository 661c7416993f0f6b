""" "Problème de connexion": the forgotten password, by a link mailed to the recovery
address. The page answers the same way whatever the identifier."""

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore
from portique.activation.selectors import flow_open_for
from portique.core import links, throttle
from portique.core.audit import audit_record
from portique.core.models import OneTimeLink
from portique.mail.services import SendLimitReached, mail_link, mail_queue
from portique.passwords.services import passwords_set_everywhere, target_outcomes_kept
from portique.selfservice.flows.sessions import account_sessions_end
from portique.selfservice.services import password_subject

Purpose = OneTimeLink.Purpose


def recovery_request(
    *, identifier: str, ip: str | None = None, store: AccountStore | None = None
) -> None:
    """Mail what helps the person behind `identifier`, if anyone: a reset link to the
    recovery address of an activated account, or, for an account not yet activated, the way
    to the activation (to the address given during it, if any). Says nothing to the caller:
    the page is the same whatever happened, and so is the work of the request."""
    store = store or get_account_store()
    # Every request counts against the client address (PORTIQUE_IP_FAILURES per window):
    # this page must not become a way to probe identifiers or flood mailboxes in bulk. Per
    # account, the resend limit of link mails applies.
    if not throttle.address_allowed(ip):
        audit_record(
            actor=identifier[:150], subject=identifier[:150], action="recovery_throttled", ip=ip
        )
        return
    throttle.record_address_attempt(ip)
    account = store.find(identifier)
    with transaction.atomic():
        if account is None:
            audit_record(
                actor=identifier[:150], subject=identifier[:150], action="recovery_requested",
                ip=ip, outcome="unknown",
            )  # fmt: skip
            return
        login = account.login
        try:
            if account.activated and account.recovery_email:
                mail_link(
                    subject=login,
                    purpose=Purpose.PASSWORD_RESET,
                    to=account.recovery_email,
                    kind="password_reset",
                    url_name="recovery:link",
                    context={"login": account.email},
                )
                outcome = "link_sent"
            elif not account.activated and (flow := flow_open_for(login)) and flow.recovery_email:
                mail_queue(
                    to=flow.recovery_email,
                    kind="activation_reminder",
                    subject_login=login,
                    context={"login": account.email},
                )
                outcome = "pointed_to_activation"
            else:
                outcome = "no_address"
        except SendLimitReached:
            outcome = "limit_reached"
        audit_record(
            actor=identifier[:150], subject=login, action="recovery_requested", ip=ip,
            outcome=outcome,
        )  # fmt: skip


def recovery_check_link(token: str) -> OneTimeLink:
    """Return the pending reset link for `token`, or raise links.LinkError."""
    return links.link_check(token=token, purpose=Purpose.PASSWORD_RESET)


@target_outcomes_kept
def recovery_set_password(
    *, token: str, password: str, ip: str | None = None, store: AccountStore | None = None
) -> str:
    """Set the new password of the account the link belongs to, under the full policy; end
    every session of the account and tell the person. Returns the login.

    Raises links.LinkError for an unusable link, ValidationError for a refused password
    (the link then stays usable)."""
    store = store or get_account_store()
    link = recovery_check_link(token)
    account = store.find(link.subject)
    if account is None or not account.activated:
        raise links.LinkInvalid()
    validate_password(password, user=password_subject(account))  # type: ignore[arg-type]
    with transaction.atomic():
        links.link_consume(token=token, purpose=Purpose.PASSWORD_RESET)
        store.set_password(account.login, password)
        # A target that fails rolls back the link's use: the same link sets them all again.
        passwords_set_everywhere(login=account.login, password=password)
        ended = account_sessions_end(login=account.login)
        audit_record(
            actor=account.login, subject=account.login, action="password_reset", ip=ip,
            sessions_ended=ended,
        )  # fmt: skip
        throttle.unlock(identifier=account.login)
        mail_queue(
            to=account.recovery_email,
            kind="account_changed",
            subject_login=account.login,
            context={"change": "password", "login": account.email},
        )
    return account.login
