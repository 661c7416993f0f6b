from django.apps import AppConfig


class PasswordsConfig(AppConfig):
    name = "portique.passwords"
    label = "passwords"
