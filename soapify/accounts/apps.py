from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soapify.accounts"
    label = "accounts"
