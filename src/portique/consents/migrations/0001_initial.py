"""The consent records, and one record of each kind per activated account of the SQL store,
made from its current state: accepted charter version and time, directory choice (timed by
the last audit row that chose it, or by the activation). A directory store's accounts are
not in this database: their history begins with their next consent."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Max

# The directory notice's version when the records began (DIRECTORY_NOTICE_VERSION then).
FIRST_DIRECTORY_NOTICE = "2024-09"
BATCH = 1000


def records_from_accounts(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    using = schema_editor.connection.alias
    account_model = apps.get_model("accounts", "Account")
    record_model = apps.get_model("consents", "ConsentRecord")
    audit_model = apps.get_model("core", "AuditEvent")
    directory_chosen_at = dict(
        audit_model.objects.using(using)
        .filter(action__in=["directory_consent_chosen", "directory_consent_changed"])
        .values_list("subject")
        .annotate(last=Max("at"))
        .order_by()
    )
    rows = []
    accounts = (
        account_model.objects.using(using)
        .filter(activated_at__isnull=False)
        .values_list("login", "charter_version", "charter_accepted_at", "directory_consent",
                     "activated_at")
        .iterator(chunk_size=BATCH)
    )
    for login, version, accepted_at, consent, activated_at in accounts:
        if accepted_at is not None and version:
            rows.append(record_model(
                login=login, kind="charter", version=version, choice="accepted",
                at=accepted_at, where="account_state",
            ))
        rows.append(record_model(
            login=login, kind="directory", version=FIRST_DIRECTORY_NOTICE,
            choice="accepted" if consent else "refused",
            at=directory_chosen_at.get(login, activated_at), where="account_state",
        ))
        if len(rows) >= BATCH:
            record_model.objects.using(using).bulk_create(rows)
            rows = []
    record_model.objects.using(using).bulk_create(rows)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0004_person_last_name_key"),
        ("core", "0004_link_sent_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name='ConsentRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('login', models.CharField(max_length=150)),
                ('kind', models.CharField(choices=[('charter', 'Charte informatique'), ('directory', 'Annuaire public')], max_length=16)),
                ('version', models.CharField(max_length=64)),
                ('choice', models.CharField(choices=[('accepted', 'accepté'), ('refused', 'refusé')], max_length=16)),
                ('at', models.DateTimeField()),
                ('where', models.CharField(choices=[('activation', 'activation du compte'), ('selfservice', 'Compte Informatique'), ('reacceptance', 'nouvelle charte, à la connexion'), ('account_state', "repris de l'état du compte")], max_length=16)),
                ('client_ip', models.GenericIPAddressField(blank=True, null=True)),
            ],
            options={
                'verbose_name': 'consentement',
                'verbose_name_plural': 'consentements',
                'ordering': ['at', 'id'],
                'indexes': [models.Index(fields=['login', 'kind', 'at'], name='consent_login_kind_at'), models.Index(fields=['kind', 'at'], name='consent_kind_at')],
            },
        ),
        migrations.RunPython(records_from_accounts, migrations.RunPython.noop),
    ]
