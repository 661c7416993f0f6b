"""The activation funnel: how many people of a cohort (the last import, those who began this
week) reached each stage, each counted once at their furthest."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portique.accounts.models import Person
from portique.activation.machine import STEPS
from portique.activation.models import ActivationFlow
from portique.core import clock

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


FUNNEL_STAGES: list[tuple[str, "StrOrPromise"]] = [
    ("people", _("Personnes")),
    ("provisional_password_accepted", _("Mot de passe provisoire accepté")),
    ("recovery_email_given", _("Adresse de secours saisie")),
    ("recovery_email_confirmed", _("Adresse de secours confirmée")),
    ("charter_accepted", _("Charte acceptée")),
    ("directory_chosen", _("Annuaire choisi")),
    ("forwarding_chosen", _("Messagerie choisie")),
    ("activated", _("Compte activé")),
]


_STAGE_INDEX = {key: index for index, (key, _label) in enumerate(FUNNEL_STAGES)}


# How far each state shows a person got (the step table's funnel stage), as an index in
# FUNNEL_STAGES.
_STAGE_OF_STATE: dict[str, int] = {
    state: _STAGE_INDEX[step.funnel_stage] for state, step in STEPS.items() if step.funnel_stage
}


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: "StrOrPromise"
    count: int


@dataclass(frozen=True)
class Funnel:
    """How many people of a cohort reached each stage; `since` dates the cohort."""

    since: date | None
    stages: list[FunnelStage]

    @property
    def people(self) -> int:
        return self.stages[0].count


def _furthest_stage(
    state: str,
    recovery_email: str,
    recovery_email_verified_at: datetime | None,
    charter_accepted_at: datetime | None,
    directory_consent: bool | None,
    activated_at: datetime | None,
) -> int:
    """The furthest stage a flow shows: its state, or an answer it still holds from a step
    the person went back from ("Modifier")."""
    reached = [_STAGE_OF_STATE.get(state, 1), 1]
    if recovery_email:
        reached.append(2)
    if recovery_email_verified_at is not None:
        reached.append(3)
    if charter_accepted_at is not None:
        reached.append(4)
    if directory_consent is not None:
        reached.append(5)
    if activated_at is not None:
        reached.append(7)
    return max(reached)


def activation_funnel(logins: "QuerySet[Any]", *, since: date | None = None) -> Funnel:
    """Count, for the people whose logins `logins` lists (a values_list queryset), how many
    reached each stage of the activation, each counted once at their furthest."""
    cohort = logins.order_by().distinct().count()
    furthest: dict[str, int] = {}
    rows: Iterable[tuple[Any, ...]] = ActivationFlow.objects.filter(login__in=logins).values_list(
        "login",
        "state",
        "recovery_email",
        "recovery_email_verified_at",
        "charter_accepted_at",
        "directory_consent",
        "activated_at",
    )
    for login, *answers in rows:
        furthest[login] = max(_furthest_stage(*answers), furthest.get(login, 0))
    reached = Counter(furthest.values())
    stages = []
    for index, (key, label) in enumerate(FUNNEL_STAGES):
        count = cohort if index == 0 else sum(n for stage, n in reached.items() if stage >= index)
        stages.append(FunnelStage(key=key, label=label, count=count))
    return Funnel(since=since, stages=stages)


def last_import_day() -> date | None:
    """Return the local day on which the most recent people were created (the last import)."""
    newest = Person.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    return clock.local_date(newest) if newest else None


def funnel_last_import() -> Funnel:
    """The funnel of the people created on the day of the last import."""
    day = last_import_day()
    if day is None:
        return activation_funnel(Person.objects.none().values_list("login", flat=True))
    people = Person.objects.filter(
        created_at__gte=clock.local_midnight(day),
        created_at__lt=clock.local_midnight(day + timedelta(days=1)),
    )
    return activation_funnel(people.values_list("login", flat=True), since=day)


def week_start() -> date:
    """Monday of the current local week."""
    today = clock.local_date()
    return today - timedelta(days=today.weekday())


def funnel_this_week() -> Funnel:
    """The funnel of the people who began their activation this week (since Monday 00:00,
    local time): their provisional password was accepted this week."""
    monday = week_start()
    began = ActivationFlow.objects.filter(created_at__gte=clock.local_midnight(monday))
    return activation_funnel(began.values_list("login", flat=True), since=monday)
