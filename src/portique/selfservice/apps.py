from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "portique.selfservice"
    label = "selfservice"
