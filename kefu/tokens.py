"""Staff and customer tokens: which key signs and checks each kind, and what a valid one holds.

Two kinds of JWT, never interchangeable (each has its own key and its own ``aud``):

* **Staff tokens** (``aud: "staff"``, HS256) are issued by the web app at login and signed with
  the staff sub-key of the master key (:data:`kefu.keys.STAFF_TOKENS`), which never leaves the
  Kefu processes. They carry the user name (``sub``) and ``role`` and live 12 hours.
* **Customer tokens** (``aud: "customer"``) are issued by the shop after its own login and vouch
  for a shopper (``sub`` = the shop's customer id). One verifier, built from the settings,
  checks them everywhere:

  1. ``KEFU_CUSTOMER_TOKEN_PUBLIC_KEY`` set: the shop's RSA (RS256) or Ed25519 (EdDSA) public
     key; the shop signs with its private key and Kefu holds no secret that could sign one.
  2. else ``KEFU_CUSTOMER_TOKEN_SECRET``: a secret shared with the shop (HS256).
  3. else the customer sub-key of the master key (HS256), as text
     (:func:`kefu.keys.derive_text`): what ``python -m bot customer-key`` prints for the shop,
     and what the demo storefront signs with.

Both kinds must carry ``exp``, ``iat``, ``sub`` and ``aud`` (:data:`REQUIRED_CLAIMS`); the
algorithm is pinned by the key (a token naming another ``alg`` is refused).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from kefu.keys import CUSTOMER_TOKENS, STAFF_TOKENS, derive_text
from kefu.settings import Settings, SettingsError

ROLES = ("agent", "editor", "admin")
STAFF_AUDIENCE = "staff"
CUSTOMER_AUDIENCE = "customer"
REQUIRED_CLAIMS = ("exp", "iat", "sub", "aud")
#: Lifetimes (seconds) of the tokens Kefu issues.
STAFF_TOKEN_LIFETIME = 12 * 3600
CUSTOMER_TOKEN_LIFETIME = 24 * 3600
#: Clock difference tolerated: on ``iat`` between Kefu's processes for staff tokens (whose
#: ``exp`` is exact), on ``iat`` and ``exp`` between the shop's server and Kefu for customer tokens.
STAFF_LEEWAY = 5
CUSTOMER_LEEWAY = 30
#: Longer strings are not even parsed.
MAX_TOKEN_LENGTH = 4096
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user name and a role (and, from a token, when that token expires)."""

    username: str
    role: str
    #: ``exp`` of the token it was read from (seconds since the epoch); 0 when not from a token
    expires_at: float = field(default=0.0, compare=False)


class CannotSign(RuntimeError):
    """Kefu holds no key that signs customer tokens (the shop signs them with its private key)."""


def _decode(token: object, key: Any, algorithm: str, audience: str, leeway: int) -> dict[str, Any] | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[algorithm], audience=audience, leeway=leeway,
                            options={"require": list(REQUIRED_CLAIMS)})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 128:
        return None
    return claims


def _claims(subject: str, audience: str, lifetime: int, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": subject, "aud": audience, "iat": now, "exp": now + lifetime, **extra}


class StaffTokens:
    """Issues and reads staff tokens with one key (the staff sub-key: :func:`staff_tokens`)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self, principal: Principal, *, lifetime: int = STAFF_TOKEN_LIFETIME) -> str:
        claims = _claims(principal.username, STAFF_AUDIENCE, lifetime, role=principal.role)
        return jwt.encode(claims, self._key, algorithm="HS256")

    def read(self, token: object) -> Principal | None:
        """The principal of a valid staff token, or ``None`` for any bad one."""
        claims = _decode(token, self._key, "HS256", STAFF_AUDIENCE, STAFF_LEEWAY)
        if claims is None or claims.get("role") not in ROLES:
            return None
        if float(claims["exp"]) <= time.time():  # the leeway is for ``iat``; expiry is exact
            return None
        return Principal(claims["sub"], claims["role"], float(claims["exp"]))


class CustomerTokens:
    """The one verifier of customer tokens (build it from the settings with :func:`customer_tokens`).

    Args:
        public_key: the shop's public key, PEM text or the path of a PEM file; RSA → RS256,
            Ed25519/Ed448 → EdDSA.
        secret: a shared HS256 secret (used when no public key is given).
    """

    def __init__(self, *, public_key: str | None = None, secret: str | bytes | None = None) -> None:
        if public_key:
            self._key, self.algorithm = load_public_key(public_key)
            self._signing_key = None
        elif secret:
            self._key = self._signing_key = secret.encode("utf-8") if isinstance(secret, str) else secret
            self.algorithm = "HS256"
        else:
            raise ValueError("a customer token verifier needs a public key or a secret")

    def read(self, token: object) -> str | None:
        """The customer id of a valid token; ``None`` for a missing, forged, expired or incomplete one."""
        claims = _decode(token, self._key, self.algorithm, CUSTOMER_AUDIENCE, CUSTOMER_LEEWAY)
        return claims["sub"] if claims else None

    @property
    def can_sign(self) -> bool:
        return self._signing_key is not None

    def issue(self, customer_id: str, *, lifetime: int = CUSTOMER_TOKEN_LIFETIME) -> str:
        """A customer token signed with the shared key (the demo storefront's login, tests).

        Raises:
            CannotSign: when tokens are checked with the shop's public key.
        """
        if self._signing_key is None:
            raise CannotSign("customer tokens are checked with the shop's public key "
                             "(KEFU_CUSTOMER_TOKEN_PUBLIC_KEY); only the shop's private key signs them")
        return jwt.encode(_claims(customer_id, CUSTOMER_AUDIENCE, lifetime), self._signing_key, algorithm="HS256")


def load_public_key(value: str) -> tuple[Any, str]:
    """The public key named by ``KEFU_CUSTOMER_TOKEN_PUBLIC_KEY`` and its JWT algorithm.

    Raises:
        SettingsError: not PEM text nor a readable PEM file, a private key, or an unsupported key.
    """
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    name = "KEFU_CUSTOMER_TOKEN_PUBLIC_KEY"
    text = value.replace("\\n", "\n").strip()
    if "-----BEGIN" not in text:
        try:
            text = Path(value).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            raise SettingsError(f"{name} is neither PEM text nor a readable file ({value[:80]!r}); give the "
                                "shop's public key as PEM text or the path of its .pem file.") from None
    if "PRIVATE KEY" in text:
        raise SettingsError(f"{name} holds a private key; give Kefu only the public key (the shop keeps "
                            "the private key): openssl pkey -in private.pem -pubout")
    try:
        key = load_pem_public_key(text.encode("utf-8"))
    except (ValueError, TypeError):
        raise SettingsError(f"{name} is not a PEM public key (-----BEGIN PUBLIC KEY----- ...).") from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise SettingsError(f"{name} is a {key.key_size}-bit RSA key; use at least {MIN_RSA_BITS} bits.")
        return key, "RS256"
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return key, "EdDSA"
    raise SettingsError(f"{name} is a {type(key).__name__}; use an RSA or Ed25519 public key "
                        "(RS256 or EdDSA tokens).")


def staff_tokens(settings: Settings) -> StaffTokens:
    """Staff tokens with the staff sub-key of the settings' master key."""
    return StaffTokens(settings.key(STAFF_TOKENS))


def customer_key(master: str) -> str:
    """The HS256 key of customer tokens when the shop configured none (text, 43 characters)."""
    return derive_text(master, CUSTOMER_TOKENS)


def customer_tokens(settings: Settings) -> CustomerTokens:
    """The customer-token verifier of these settings (cached per configuration).

    Raises:
        SettingsError: an unusable public key, or no key at all (no master key either).
    """
    if settings.customer_token_public_key:
        return _verifier(settings.customer_token_public_key, None)
    if settings.customer_token_secret:
        return _verifier(None, settings.customer_token_secret)
    return _verifier(None, customer_key(settings.secret_key))


@functools.lru_cache(maxsize=8)
def _verifier(public_key: str | None, secret: str | None) -> CustomerTokens:
    return CustomerTokens(public_key=public_key, secret=secret)
