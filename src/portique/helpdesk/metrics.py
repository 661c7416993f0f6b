"""Prometheus metrics, computed from the database at each scrape.

Several gunicorn workers each keep their own process counters, so a counter incremented in
one worker is wrong for the whole service. Every figure here is read from the shared
database instead: the same answer whichever worker is scraped.
"""

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from portique.accounts.models import Person
from portique.helpdesk.selectors import counts
from portique.helpdesk.selectors import funnel as funnel_selectors
from portique.onboarding.selectors import letters_by_state, reminders_sent_total
from portique.passwords.selectors import target_failures_total


class PortiqueCollector(Collector):
    """The portique_* metrics."""

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(
            "portique_people", "People known to Portique (HR records).", Person.objects.count()
        )
        yield CounterMetricFamily(
            "portique_activations",
            "Accounts activated, from the audit trail (rows purged since included).",
            counts.audit_action_total("account_activated"),
        )
        flows = GaugeMetricFamily(
            "portique_activation_flows",
            "Activations in progress, by the state they wait at.",
            labels=["state"],
        )
        for state, count in counts.open_flows_by_state().items():
            flows.add_metric([str(state)], count)
        yield flows
        funnel = GaugeMetricFamily(
            "portique_funnel_people",
            "People who reached each step of the activation: the people of the last import "
            "(cohort=last_import) and those who began this week (cohort=this_week).",
            labels=["cohort", "step"],
        )
        for cohort, figures in (
            ("last_import", funnel_selectors.funnel_last_import()),
            ("this_week", funnel_selectors.funnel_this_week()),
        ):
            for stage in figures.stages:
                funnel.add_metric([cohort, stage.key], stage.count)
        yield funnel
        backlog = counts.mail_backlog()
        yield GaugeMetricFamily(
            "portique_mails_queued", "Mails waiting in the outbox.", backlog.queued
        )
        yield GaugeMetricFamily(
            "portique_mails_failed", "Mails the server refused for good, or never took.",
            backlog.failed,
        )  # fmt: skip
        yield CounterMetricFamily(
            "portique_account_locks",
            "Accounts locked after too many failed attempts, from the audit trail.",
            counts.audit_action_total("account_locked"),
        )
        target_failures = CounterMetricFamily(
            "portique_password_target_failures",
            "Password changes a password target failed for good, after its retries.",
            labels=["target"],
        )
        for target, count in target_failures_total().items():
            target_failures.add_metric([target], count)
        yield target_failures
        yield CounterMetricFamily(
            "portique_reminders_sent", "Letter reminders mailed to people (portique remind).",
            reminders_sent_total(),
        )  # fmt: skip
        letters = GaugeMetricFamily(
            "portique_letters",
            "Letters (PASS'UM) issued within the audit's retention, by where they are now.",
            labels=["state"],
        )
        for letter_state, count in letters_by_state().items():
            letters.add_metric([str(letter_state)], count)
        yield letters
        yield CounterMetricFamily(
            "portique_admin_login_locks",
            "Admin usernames locked after too many failed logins, from the audit trail.",
            counts.audit_action_total("admin_login_locked"),
        )


def metrics_render() -> bytes:
    """Return the metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortiqueCollector())
    return generate_latest(registry)
