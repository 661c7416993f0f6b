from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portique.accounts"
    label = "accounts"
