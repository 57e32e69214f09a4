from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soapify.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from soapify.accounts import schema  # noqa: F401 - registers the OpenAPI auth extension
        from soapify.accounts.authentication import forget_user
        from soapify.accounts.models import User

        post_save.connect(
            lambda sender, instance, **kw: forget_user(instance.pk),
            sender=User,
            weak=False,
            dispatch_uid="soapify.accounts.forget_user",
        )

        _memoize_hmac_key_preparation()


def _memoize_hmac_key_preparation() -> None:
    """PyJWT re-validates the HMAC secret on every token (it tries to parse it as DER keys and X.509
    certificates, ~0.5 ms). The secret never changes within a process, so remember the answer."""
    from functools import lru_cache

    from jwt.algorithms import HMACAlgorithm

    original = HMACAlgorithm.prepare_key
    if getattr(original, "_soapify_memoized", False):
        return

    @lru_cache(maxsize=8)
    def _prepared(self, key):
        return original(self, key)

    def prepare_key(self, key):
        return _prepared(self, key) if isinstance(key, str | bytes) else original(self, key)

    prepare_key._soapify_memoized = True
    HMACAlgorithm.prepare_key = prepare_key
