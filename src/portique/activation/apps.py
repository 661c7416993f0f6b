from django.apps import AppConfig


class ActivationConfig(AppConfig):
    name = "portique.activation"
    label = "activation"
