from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self):
        from django.conf import settings

        from api.dayzero import errors as dayzero_errors  # noqa: F401
        from api.moov import errors as moov_errors  # noqa: F401
        from api.moov import tokens as moov_tokens  # noqa: F401
        from api.throttling import proxy_networks
        from api.zuora import errors as zuora_errors  # noqa: F401
        from api.zuora.settlement import errors as settlement_errors  # noqa: F401

        # Each dialect registers its error envelope on import (above). The middleware answers some requests
        # (a body too large, bad gzip) before any URL is resolved, so a fresh worker's first request would
        # otherwise get the default envelope when its dialect's views were not imported yet.

        # A FORWARDED_ALLOW_IPS that is not addresses or networks fails the start, not every token request.
        proxy_networks(tuple(settings.FORWARDED_ALLOW_IPS))
