"""The single sign-on's use cases: record what a login the provider vouched for opens (an
activated account, a console agent, or nothing), its refusals and the provider's logouts,
in the audit trail as the local login does (actions login_succeeded, login_refused,
logout; `via` names the protocol)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountRecord, AccountStore
from portique.core import clock
from portique.core.audit import audit_record
from portique.selfservice.flows import sessions as selfservice_sessions
from portique.selfservice.selectors import session_store
from portique.sso.identity import Identity, SsoRefused
from portique.sso.models import SsoSession


@dataclass(frozen=True)
class SsoLogin:
    """What a login opens: the activated account (None: unknown or awaiting activation,
    `awaiting` telling which) and the console agent (None: no role from the attribute)."""

    account: AccountRecord | None
    agent: User | None
    awaiting: bool = False


def agent_groups(roles: tuple[str, ...]) -> list[str]:
    """The console's groups that the values of the roles attribute give, by PORTIQUE_SSO_ROLES."""
    if not settings.PORTIQUE_SSO_ROLES_ATTRIBUTE:
        return []
    mapping = settings.PORTIQUE_SSO_ROLES
    return sorted({mapping[value] for value in roles if value in mapping})


def _agent_synced(*, login: str, roles: tuple[str, ...], via: str, ip: str | None) -> User | None:
    """Give the SSO's agent `login` exactly the groups its roles give, creating it if needed,
    and return it; without a role, an agent that the SSO made is one no longer. A user with
    a password of its own (the break-glass account, agents made by create-agent) is never
    opened by the SSO: a provider's user of the same name does not become it."""
    groups = agent_groups(roles)
    user = User.objects.filter(username=login).first()
    if user is not None and user.has_usable_password():
        return None
    if not groups:
        if user is not None and (user.is_staff or user.groups.exists()):
            user.is_staff = False
            user.save(update_fields=["is_staff"])
            user.groups.clear()
            audit_record(
                actor=login, subject=login, action="agent_roles_changed", ip=ip, via=via,
                groups=[],
            )  # fmt: skip
        return None
    if user is None:
        user = User(username=login, is_staff=True)
        user.set_unusable_password()
        user.save()
        audit_record(actor=via, subject=login, action="agent_created", ip=ip, groups=groups)
    before = sorted(user.groups.values_list("name", flat=True))
    if before != groups or not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.set(Group.objects.filter(name__in=groups))
        audit_record(
            actor=login, subject=login, action="agent_roles_changed", ip=ip, via=via,
            groups=groups,
        )  # fmt: skip
    audit_record(actor=login, subject=login, action="admin_login_succeeded", ip=ip, via=via)
    return user


def sso_login(
    *, identity: Identity, via: str, ip: str | None = None, store: AccountStore | None = None
) -> SsoLogin:
    """Record a login that the provider `via` vouched for: the activated account it opens,
    if any (an unknown login or one awaiting activation is refused, nothing is created),
    and the agent whose groups its roles give."""
    store = store or get_account_store()
    account = store.find(identity.login)
    with transaction.atomic():
        agent = _agent_synced(login=identity.login, roles=identity.roles, via=via, ip=ip)
        if account is None or not account.activated:
            reason = "unknown" if account is None else "not_activated"
            subject = account.login if account else identity.login[:150]
            audit_record(
                actor=identity.login[:150], subject=subject, action="login_refused", ip=ip,
                reason=reason, via=via,
            )  # fmt: skip
            return SsoLogin(account=None, agent=agent, awaiting=account is not None)
        audit_record(
            actor=account.login, subject=account.login, action="login_succeeded", ip=ip, via=via
        )
    return SsoLogin(account=account, agent=agent)


def sso_login_refuse(*, error: SsoRefused, via: str, ip: str | None = None) -> None:
    """Record a login that the provider's answer did not vouch for (tampered state, replayed
    ticket or code, expired ID token, a header from an untrusted address...)."""
    login = error.login[:150]
    with transaction.atomic():
        audit_record(
            actor=login, subject=login, action="login_refused", ip=ip, reason=error.reason,
            via=via, **error.data,
        )  # fmt: skip


def sso_session_register(
    *, protocol: str, session_index: str, session_key: str, login: str
) -> None:
    """Remember that the provider's session `session_index` opened the Portique session
    `session_key`, so that the provider's single logout can end it."""
    SsoSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "protocol": protocol,
            "session_index": session_index[:255],
            "login": login,
            "created_at": clock.now(),
        },
    )


def sso_session_forget(*, session_key: str) -> None:
    """Forget the SSO's record of a session that Portique's own logout ended."""
    SsoSession.objects.filter(session_key=session_key).delete()


def sso_single_logout(*, protocol: str, session_index: str, ip: str | None = None) -> int:
    """End the Portique sessions that the provider's session `session_index` opened, as the
    provider's logout request asks; each is audited as a logout. Returns how many."""
    rows = list(SsoSession.objects.filter(protocol=protocol, session_index=session_index))
    store = session_store()
    for row in rows:
        with transaction.atomic():
            selfservice_sessions.account_logout(login=row.login, session_key=row.session_key, ip=ip)
            store(session_key=row.session_key).delete()
            row.delete()
    return len(rows)


def sso_sessions_purge() -> int:
    """Forget the SSO's record of sessions that ended without a logout (timed out, or gone
    from the session store); return how many. For `portique purge`."""
    return selfservice_sessions.ended_sessions_delete(SsoSession.objects.all())
