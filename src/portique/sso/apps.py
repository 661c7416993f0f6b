from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "portique.sso"
    label = "sso"
    verbose_name = "Authentification unique"
