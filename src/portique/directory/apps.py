from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "portique.directory"
    label = "directory"
