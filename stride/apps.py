from django.apps import AppConfig


class StrideConfig(AppConfig):
    name = "stride"
    verbose_name = "STRIDE threats and ATT&CK"
