import re

from rest_framework.exceptions import ParseError
from rest_framework.versioning import BaseVersioning

DEFAULT_VERSION = "v2024.01.00"
# vYYYY.QQ.BB: QQ is the first month of a quarter, BB the build within it.
VERSION = re.compile(r"v[0-9]{4}\.(01|04|07|10)\.[0-9]{2}")


class MoovVersioning(BaseVersioning):
    """X-Moov-Version: optional, checked before authentication so a malformed one is always a 400."""

    default_version = DEFAULT_VERSION

    def determine_version(self, request, *args, **kwargs):
        version = request.headers.get("X-Moov-Version")
        if version is None:
            return self.default_version
        if not VERSION.fullmatch(version):
            raise ParseError("X-Moov-Version must have the form vYYYY.QQ.BB, e.g. v2024.01.00")
        return version


def version_of(request) -> str:
    """The version to answer in: the request's when well formed, else the default."""
    version = request.headers.get("X-Moov-Version")
    return version if version is not None and VERSION.fullmatch(version) else DEFAULT_VERSION
