from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portique.core"
    label = "core"
    verbose_name = "Portique"
