from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "portique.recovery"
    label = "recovery"
