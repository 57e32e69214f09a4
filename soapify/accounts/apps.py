from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soapify.accounts"
    label = "accounts"

    def ready(self) -> None:
        from soapify.accounts import schema  # noqa: F401 - registers the OpenAPI auth extension
