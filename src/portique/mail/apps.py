from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "portique.mail"
    label = "mail"
