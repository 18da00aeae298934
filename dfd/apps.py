from django.apps import AppConfig


class DfdConfig(AppConfig):
    name = "dfd"
    verbose_name = "Data-flow diagrams"
