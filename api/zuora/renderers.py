import simplejson
from rest_framework.renderers import JSONRenderer


class ZuoraJSONRenderer(JSONRenderer):
    """Amounts are JSON numbers written from Decimal digit for digit (the stdlib would go through float)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return simplejson.dumps(data, use_decimal=True, separators=(",", ":")).encode()
