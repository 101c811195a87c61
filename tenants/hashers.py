import hashlib
import hmac

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare


class ClientSecretHasher(BasePasswordHasher):
    """Salted HMAC-SHA256 for OAuth client secrets, which the server generates at random.

    PBKDF2's deliberate slowness protects guessable human passwords; a generated secret of ~400 bits
    cannot be guessed, and HTTP Basic authentication checks it on every API call, where PBKDF2 would
    cost hundreds of milliseconds. Staff passwords keep Django's default hasher.
    """

    algorithm = "client_secret_sha256"

    def encode(self, password, salt):
        self._check_encode_args(password, salt)
        digest = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded):
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password, encoded):
        pass
