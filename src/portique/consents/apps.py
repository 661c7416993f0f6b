from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "portique.consents"
    label = "consents"
    verbose_name = "Consentements"
