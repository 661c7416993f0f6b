from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "portique.onboarding"
    label = "onboarding"
