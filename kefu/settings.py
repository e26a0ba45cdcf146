"""Settings of every Kefu process, read from the environment (contract section 3).

Secrets never have a default: when ``BOT_API_TOKEN`` or the signing key is not given, the
launcher generates one once into ``var/`` (mode 0600) and hands it to the processes it starts.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from kefu.keys import ACTION_SERVER, MIN_MASTER_BYTES, derive_key, derive_text

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value Kefu cannot use; the message names the variable and the fix."""


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"{name}={raw!r} is not a TCP port; use a number from 1 to 65535.")
    return int(raw)


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _flag(name: str, default: bool) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (any case); anything else is an error."""
    raw = (_env(name) or "").lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise SettingsError(f"{name}={raw!r} is not on or off; use one of {', '.join(TRUE_WORDS + FALSE_WORDS)}.")


def _rate(name: str, default: float) -> float:
    """A rate setting: a plain number (ASCII digits, optional decimals) of at least 0."""
    raw = _env(name)
    if raw is None:
        return default
    value = float(raw) if raw.isascii() and raw.replace(".", "", 1).isdigit() else -1.0
    if value < 0 or not math.isfinite(value):
        raise SettingsError(f"{name}={raw!r}: use a number of at least 0 (0 switches the limit off).")
    return value


def _whole(name: str, default: int, *, low: int, high: int) -> int:
    """A whole number setting between ``low`` and ``high`` (ASCII digits only)."""
    raw = _env(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise SettingsError(f"{name}={raw!r}: use a whole number from {low} to {high}.")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """What a Kefu process needs to know about its deployment."""

    root: Path
    var_dir: Path
    bot_port: int
    actions_port: int
    web_port: int
    database_url: str
    redis_url: str | None
    bot_replicas: int = 1
    #: the demo shop (Lumen Mall): seeded at start, and the storefront's demo login
    #: (``/demo/customer-token``) on. Off unless KEFU_DEMO_SHOP says on; ``make run`` says on.
    demo_shop: bool = False
    #: ``KEFU_REST_TOKEN``: when set, REST callers must send ``Authorization: Bearer <it>``
    #: (for shops whose REST callers are their own servers)
    rest_token: str | None = field(default=None, repr=False)
    #: ``KEFU_VERIFICATION_MINUTES``: how long a passed order check lets an anonymous shopper
    #: see (and cancel or return) that order before the phone digits are asked again
    verification_minutes: int = 15
    #: ``KEFU_CUSTOMER_TOKEN_PUBLIC_KEY``: the shop's public key (PEM text, or the path of a PEM
    #: file) that customer tokens are verified with (RS256 or EdDSA); the shop keeps the private key
    customer_token_public_key: str | None = field(default=None, repr=False)
    #: ``KEFU_CUSTOMER_TOKEN_SECRET``: a shared secret (at least 32 bytes) for HS256 customer
    #: tokens; neither set: a sub-key of KEFU_SECRET_KEY (the demo storefront's)
    customer_token_secret: str | None = field(default=None, repr=False)
    #: ``KEFU_STAFF_RECHECK_SECONDS``: how long a web process trusts what it read of a staff
    #: account (deleted or demoted → its tokens refused within this many seconds; 1 to 60)
    staff_recheck_seconds: int = 60
    #: rate limits (:mod:`kefu.ratelimit`; a rate of 0 switches that limit off):
    #: ``KEFU_RATE_MESSAGES_PER_MINUTE`` / ``_BURST``: messages per sender on the public channels
    rate_messages_per_minute: float = 120.0
    rate_messages_burst: int = 60
    #: ``KEFU_RATE_LOGIN_PER_MINUTE`` / ``_BURST``: failed staff logins per client IP
    rate_login_per_minute: float = 10.0
    rate_login_burst: int = 20
    #: ``KEFU_RATE_LOGIN_ACCOUNT_PER_MINUTE`` / ``_BURST``: failed logins per user name, from any IP
    rate_login_account_per_minute: float = 1.0
    rate_login_account_burst: int = 10
    #: ``KEFU_MAX_REQUEST_BYTES``: the largest request body either server reads (413 beyond)
    max_request_bytes: int = 256 * 1024
    #: ``WECHAT_REQUIRE_ENCRYPTION``: refuse plaintext pushes (default: on when an
    #: EncodingAESKey is set)
    wechat_require_encryption: bool = False
    telegram_token: str | None = None
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_mode: str = "webhook"
    wechat_token: str | None = field(default=None, repr=False)
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = field(default=None, repr=False)
    wechat_encoding_aes_key: str | None = field(default=None, repr=False)
    wechat_api_url: str = "https://api.weixin.qq.com"
    #: the FAQ content files (``KEFU_FAQ_DIR``): imported at start, written by ``python -m faq export``
    faq_dir: Path | None = None
    #: ``SHOP_ADAPTER``: the shop adapter class, ``module:Class`` (shop/adapter.py; imported and
    #: checked against the ShopAdapter Protocol at start by shop.adapter.adapter_class)
    shop_adapter: str = "shop.demo:DemoShop"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tracker_store_url(self) -> str:
        """Rasa's tracker store: the app database on a server, its own file on SQLite.

        SQLite allows one writer at a time; keeping the busy tracker in its own file keeps
        Rasa's writes from queueing behind the web app's.
        """
        if self.is_sqlite:
            return f"sqlite:///{self.var_dir / 'tracker.db'}"
        return self.database_url

    @property
    def bot_url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}"

    @property
    def action_server_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    @property
    def bot_api_token(self) -> str:
        return read_secret("BOT_API_TOKEN", self.var_dir / "bot_api_token")

    @property
    def secret_key(self) -> str:
        """The master key (``KEFU_SECRET_KEY``) every signing key is derived from (:mod:`kefu.keys`).

        Raises:
            SettingsError: when it is shorter than 32 bytes.
        """
        value = read_secret("KEFU_SECRET_KEY", self.var_dir / "secret_key")
        if len(value.encode("utf-8")) < MIN_MASTER_BYTES:
            raise SettingsError(
                f"KEFU_SECRET_KEY is {len(value.encode('utf-8'))} bytes long; it must have at least "
                f"{MIN_MASTER_BYTES}. Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    def key(self, purpose: str) -> bytes:
        """The sub-key of the master key for ``purpose`` (:data:`kefu.keys.PURPOSES`)."""
        return derive_key(self.secret_key, purpose)

    @property
    def action_secret(self) -> str:
        """What the Rasa servers send the action server (``X-Kefu-Action-Secret``):
        ``KEFU_ACTION_SECRET``, else a sub-key of the master key."""
        return _env("KEFU_ACTION_SECRET") or derive_text(self.secret_key, ACTION_SERVER)


def load_settings() -> Settings:
    """Reads the settings from the environment.

    Raises:
        SettingsError: when a variable holds an unusable value.
    """
    root = Path(os.environ.get("KEFU_HOME") or ROOT)
    var_dir = Path(os.environ.get("KEFU_VAR_DIR") or root / "var")
    database_url = _env("DATABASE_URL") or f"sqlite:///{var_dir / 'app.db'}"
    if database_url.startswith("sqlite:///var/"):  # relative default spelled in the contract
        database_url = f"sqlite:///{root / database_url[len('sqlite:///'):]}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if not database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError(
            f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {database_url.split(':')[0]}:..."
        )
    mode = (_env("TELEGRAM_MODE") or "webhook").lower()
    if mode not in ("webhook", "polling"):
        raise SettingsError(f"TELEGRAM_MODE={mode!r}: use 'webhook' or 'polling'.")
    replicas = _env("BOT_REPLICAS") or "1"
    if not replicas.isdigit() or int(replicas) < 1:
        raise SettingsError(f"BOT_REPLICAS={replicas!r}: use a whole number of at least 1.")
    return Settings(
        root=root,
        var_dir=var_dir,
        faq_dir=Path(_env("KEFU_FAQ_DIR") or root / "faq" / "content"),
        bot_port=_port("BOT_PORT", 5005),
        actions_port=_port("ACTIONS_PORT", 5055),
        web_port=_port("WEB_PORT", 8000),
        database_url=database_url,
        redis_url=_env("REDIS_URL"),
        bot_replicas=int(replicas),
        demo_shop=_flag("KEFU_DEMO_SHOP", False),
        rest_token=_env("KEFU_REST_TOKEN"),
        verification_minutes=_whole("KEFU_VERIFICATION_MINUTES", 15, low=1, high=24 * 60),
        customer_token_public_key=_env("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY"),
        customer_token_secret=_customer_secret(),
        staff_recheck_seconds=_whole("KEFU_STAFF_RECHECK_SECONDS", 60, low=1, high=60),
        rate_messages_per_minute=_rate("KEFU_RATE_MESSAGES_PER_MINUTE", 120.0),
        rate_messages_burst=_whole("KEFU_RATE_MESSAGES_BURST", 60, low=0, high=10**9),
        rate_login_per_minute=_rate("KEFU_RATE_LOGIN_PER_MINUTE", 10.0),
        rate_login_burst=_whole("KEFU_RATE_LOGIN_BURST", 20, low=0, high=10**9),
        rate_login_account_per_minute=_rate("KEFU_RATE_LOGIN_ACCOUNT_PER_MINUTE", 1.0),
        rate_login_account_burst=_whole("KEFU_RATE_LOGIN_ACCOUNT_BURST", 10, low=0, high=10**9),
        max_request_bytes=_whole("KEFU_MAX_REQUEST_BYTES", 256 * 1024, low=1024, high=64 * 1024 * 1024),
        wechat_require_encryption=_flag("WECHAT_REQUIRE_ENCRYPTION", bool(_env("WECHAT_ENCODING_AES_KEY"))),
        telegram_token=_env("TELEGRAM_TOKEN"),
        telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
        telegram_api_url=_env("TELEGRAM_API_URL") or "https://api.telegram.org/bot",
        telegram_mode=mode,
        wechat_token=_env("WECHAT_TOKEN"),
        wechat_app_id=_env("WECHAT_APP_ID"),
        wechat_app_secret=_env("WECHAT_APP_SECRET"),
        wechat_encoding_aes_key=_env("WECHAT_ENCODING_AES_KEY"),
        wechat_api_url=_env("WECHAT_API_URL") or "https://api.weixin.qq.com",
        shop_adapter=_class_path("SHOP_ADAPTER", "shop.demo:DemoShop"),
    )


_CLASS_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def _class_path(name: str, default: str) -> str:
    """A class named ``package.module:Class`` (whether it imports is checked by its user at start)."""
    value = _env(name) or default
    if not _CLASS_PATH.match(value):
        raise SettingsError(f"{name}={value!r} is not module:Class; write it like {default} "
                            "(a dotted module path, a colon, the class name).")
    return value


def _customer_secret() -> str | None:
    value = _env("KEFU_CUSTOMER_TOKEN_SECRET")
    if value is not None and len(value.encode("utf-8")) < MIN_MASTER_BYTES:
        raise SettingsError(f"KEFU_CUSTOMER_TOKEN_SECRET must have at least {MIN_MASTER_BYTES} bytes.")
    return value


def read_secret(env_name: str, path: Path, *, create: bool = False) -> str:
    """Returns a secret from the environment, else from its file under ``var/``.

    Args:
        env_name: the environment variable that overrides the file.
        path: the file holding a generated secret.
        create: generate the file when missing (only the launcher does this).

    Raises:
        SettingsError: when the secret is neither set nor generated yet.
    """
    value = _env(env_name)
    if value:
        return value
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if not create:
        raise SettingsError(
            f"{env_name} is not set and {path} does not exist; start Kefu with 'make run' "
            f"or set {env_name}."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
