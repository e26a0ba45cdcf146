"""Settings of every Kefu process, read from the environment (contract section 3).

Every variable is read here and nowhere else, into one typed :class:`Settings`, validated when it
is loaded: a value Kefu cannot use is a :class:`SettingsError` naming the variable and the fix
(the parsers are in :mod:`kefu.settings_values`). A process loads them once: its entry point
(``python -m web``, ``python -m bot.server``, the action server, the launcher) calls
:func:`kefu.startup.settings_or_exit`, which reads :func:`current`, and hands them to what it
builds; the classes Rasa and rasa-sdk instantiate themselves (channels, tracker and lock stores,
NLG, event broker, actions) take :func:`current`. :func:`load_settings` reads afresh (tests).

Secrets never have a default: when ``BOT_API_TOKEN`` or the signing key is not given, the
launcher generates one once into ``var/`` (mode 0600) and hands it to the processes it starts.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kefu import settings_values as values
from kefu.keys import ACTION_SERVER, MIN_MASTER_BYTES, derive_key, derive_text
from kefu.settings_values import FALSE_WORDS, LOG_LEVELS, TRUE_WORDS, SettingsError

__all__ = ["FALSE_WORDS", "ROOT", "TRUE_WORDS", "Settings", "SettingsError", "current", "inherited_environment",
           "load_settings", "read_secret", "set_defaults"]

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str) -> str | None:
    """The variable's value without surrounding spaces; ``None`` when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def _port(name: str, default: int) -> int:
    return values.port(name, _env(name), default)


def _flag(name: str, default: bool) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (any case); anything else is an error."""
    return values.flag(name, _env(name), default)


def _rate(name: str, default: float) -> float:
    """A rate setting: a plain number (ASCII digits, optional decimals) of at least 0."""
    return values.rate(name, _env(name), default)


def _whole(name: str, default: int, *, low: int, high: int) -> int:
    """A whole number setting between ``low`` and ``high`` (ASCII digits only)."""
    return values.whole(name, _env(name), default, low=low, high=high)


def _time_zone(name: str, default: str) -> str:
    return values.time_zone(name, _env(name), default)



def _secret() -> Any:
    """A setting whose value is a secret: never in the settings' repr, and redacted from every
    log line (:meth:`Settings.secret_values` collects every field declared so)."""
    return field(default=None, repr=False, metadata={"secret": True})


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
    #: ``RABBITMQ_URL`` (``amqp://user:password@host:5672/vhost``, or ``amqps://``): every
    #: conversation event is also published to RabbitMQ for a data team (``bot/brokers.py``);
    #: unset: the app database alone
    rabbitmq_url: str | None = field(default=None, repr=False)
    #: ``RABBITMQ_EXCHANGE``: the fanout exchange the events are published to (Rasa's name by default)
    rabbitmq_exchange: str = "rasa-exchange"
    #: ``RABBITMQ_QUEUES``: the durable queues declared and bound to it, comma-separated
    rabbitmq_queues: tuple[str, ...] = ("rasa_core_events",)
    #: the demo shop (Lumen Mall): seeded at start, and the storefront's demo login
    #: (``/demo/customer-token``) on. Off unless KEFU_DEMO_SHOP says on; ``make run`` says on.
    demo_shop: bool = False
    #: ``KEFU_REST_TOKEN``: when set, REST callers must send ``Authorization: Bearer <it>``
    #: (for shops whose REST callers are their own servers)
    rest_token: str | None = _secret()
    #: ``KEFU_VERIFICATION_MINUTES``: how long a passed order check lets an anonymous shopper
    #: see (and cancel or return) that order before the phone digits are asked again
    verification_minutes: int = 15
    #: ``KEFU_CUSTOMER_TOKEN_PUBLIC_KEY``: the shop's public key (PEM text, or the path of a PEM
    #: file) that customer tokens are verified with (RS256 or EdDSA); the shop keeps the private key
    customer_token_public_key: str | None = field(default=None, repr=False)
    #: ``KEFU_CUSTOMER_TOKEN_SECRET``: a shared secret (at least 32 bytes) for HS256 customer
    #: tokens; neither set: a sub-key of KEFU_SECRET_KEY (the demo storefront's)
    customer_token_secret: str | None = _secret()
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
    telegram_token: str | None = _secret()
    telegram_webhook_secret: str | None = _secret()
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_mode: str = "webhook"
    wechat_token: str | None = _secret()
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = _secret()
    wechat_encoding_aes_key: str | None = _secret()
    wechat_api_url: str = "https://api.weixin.qq.com"
    #: the FAQ content files (``KEFU_FAQ_DIR``): imported at start, written by ``python -m faq export``
    faq_dir: Path | None = None
    #: ``SHOP_ADAPTER``: the shop adapter class, ``module:Class`` (shop/adapter.py; imported and
    #: checked against the ShopAdapter Protocol at start by shop.adapter.adapter_class)
    shop_adapter: str = "shop.demo:DemoShop"
    #: ``KEFU_STOCK_RASA``: the Rasa servers run stock Rasa, none of Kefu's patches of its
    #: internals installed (``bot/patches/``), to compare with; off by default
    stock_rasa: bool = False
    #: ``LOG_LEVEL``: DEBUG, INFO, WARNING, ERROR or CRITICAL
    log_level: str = "INFO"
    #: ``BOT_API_TOKEN``, ``KEFU_SECRET_KEY``, ``KEFU_ACTION_SECRET`` as the environment gives them
    #: (``None``: the generated files under ``var/``, or a sub-key; see the properties below)
    given_bot_api_token: str | None = _secret()
    given_secret_key: str | None = _secret()
    given_action_secret: str | None = _secret()
    #: ``DEMO_AGENT_PASSWORD``, ``DEMO_EDITOR_PASSWORD`` (else generated once into var/)
    demo_agent_password: str | None = _secret()
    demo_editor_password: str | None = _secret()
    #: ``KEFU_BOT_URLS``: the Rasa servers the web app talks to (:attr:`bot_urls`)
    configured_bot_urls: tuple[str, ...] = ()
    #: ``KEFU_FAQ_RETRAIN``: retrain the model in the background after a publication
    faq_retrain: bool = True
    #: ``HANDOFF_SERVICE_HOURS`` (``HH:MM-HH:MM``) in ``HANDOFF_TIMEZONE``: when agents are on duty
    handoff_service_hours: str = "09:00-22:00"
    handoff_timezone: str = "Asia/Shanghai"
    #: ``HANDOFF_ABANDON_AFTER_MINUTES``: a waiting shopper quiet this long counts as gone
    handoff_abandon_after_minutes: int = 120
    #: ``ANALYTICS_TIMEZONE`` (else the handoff zone): the shop's local day for analytics
    analytics_timezone: str = "Asia/Shanghai"
    #: ``ANALYTICS_INTERVAL``: seconds between two ingests of conversation events (0: off)
    analytics_interval: float = 5.0
    #: ``TICKET_LOCK_LIFETIME``: seconds a conversation lock of a dead replica blocks it (read by
    #: Rasa itself; ``None``: unset, the launcher then gives its children 20)
    ticket_lock_lifetime: int | None = None

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
        """The first Rasa server (:attr:`bot_urls`)."""
        return self.bot_urls[0]

    @property
    def bot_urls(self) -> tuple[str, ...]:
        """Every Rasa server: ``KEFU_BOT_URLS``, else ``BOT_REPLICAS`` of them on this host from
        ``BOT_PORT`` on (as ``make run`` starts them)."""
        return self.configured_bot_urls or tuple(
            f"http://127.0.0.1:{self.bot_port + i}" for i in range(self.bot_replicas))

    @property
    def action_server_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    @property
    def bot_api_token(self) -> str:
        return self.given_bot_api_token or read_secret("BOT_API_TOKEN", self.var_dir / "bot_api_token")

    @property
    def secret_key(self) -> str:
        """The master key (``KEFU_SECRET_KEY``) every signing key is derived from (:mod:`kefu.keys`).

        Raises:
            SettingsError: when it is shorter than 32 bytes.
        """
        value = self.given_secret_key or read_secret("KEFU_SECRET_KEY", self.var_dir / "secret_key")
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
        return self.given_action_secret or derive_text(self.secret_key, ACTION_SERVER)

    def demo_password(self, username: str) -> str | None:
        """The password the environment gives the demo account ``username`` (``agent``, ``editor``)."""
        return {"agent": self.demo_agent_password, "editor": self.demo_editor_password}.get(username)

    def create_secrets(self) -> None:
        """Generates ``BOT_API_TOKEN`` and ``KEFU_SECRET_KEY`` into ``var/`` (mode 0600) when the
        environment does not give them and no earlier start did (only the launcher does this)."""
        if not self.given_bot_api_token:
            read_secret("BOT_API_TOKEN", self.var_dir / "bot_api_token", create=True)
        if not self.given_secret_key:
            read_secret("KEFU_SECRET_KEY", self.var_dir / "secret_key", create=True)

    def secret_values(self) -> list[str]:
        """The values of every secret this process knows (log lines never show them), longest first:
        every field declared a secret (:func:`_secret`), the password of every ``*_url`` setting
        (``DATABASE_URL``, ``REDIS_URL``, ...), the generated secrets under ``var/`` and the action
        server's secret when it is derived from the master key."""
        found: list[str | None] = [getattr(self, f.name) for f in fields(self) if f.metadata.get("secret")]
        for f in fields(self):
            url = getattr(self, f.name)
            if f.name.endswith("_url") and isinstance(url, str):
                password = urlsplit(url).password
                found += [password, unquote(password)] if password else []
        for name, path in (("BOT_API_TOKEN", "bot_api_token"), ("KEFU_SECRET_KEY", "secret_key")):
            if (self.var_dir / path).exists():
                found.append(read_secret(name, self.var_dir / path))
        try:
            found.append(self.action_secret)
        except SettingsError:  # no master key yet (before the launcher's first start)
            pass
        return sorted({value for value in found if value and len(value) >= 6}, key=len, reverse=True)


def load_settings() -> Settings:
    """Reads the settings from the environment afresh (a process uses :func:`current`).

    Raises:
        SettingsError: when a variable holds an unusable value; the message names it and the fix.
    """
    root = Path(_env("KEFU_HOME") or ROOT)
    var_dir = Path(_env("KEFU_VAR_DIR") or root / "var")
    mode = values.choice("TELEGRAM_MODE", _env("TELEGRAM_MODE"), "webhook", ("webhook", "polling"))
    handoff_timezone = _time_zone("HANDOFF_TIMEZONE", "Asia/Shanghai")
    return Settings(
        root=root,
        var_dir=var_dir,
        faq_dir=Path(_env("KEFU_FAQ_DIR") or root / "faq" / "content"),
        bot_port=_port("BOT_PORT", 5005),
        actions_port=_port("ACTIONS_PORT", 5055),
        web_port=_port("WEB_PORT", 8000),
        database_url=values.database_url(_env("DATABASE_URL"), root, var_dir),
        redis_url=values.url("REDIS_URL", _env("REDIS_URL"), None, schemes=("redis", "rediss", "unix"),
                             example="redis://redis:6379/0"),
        bot_replicas=_whole("BOT_REPLICAS", 1, low=1, high=100),
        rabbitmq_url=values.amqp_url("RABBITMQ_URL", _env("RABBITMQ_URL")),
        rabbitmq_exchange=values.amqp_names("RABBITMQ_EXCHANGE", _env("RABBITMQ_EXCHANGE"), ("rasa-exchange",),
                                            single=True)[0],
        rabbitmq_queues=values.amqp_names("RABBITMQ_QUEUES", _env("RABBITMQ_QUEUES"), ("rasa_core_events",)),
        log_level=values.choice("LOG_LEVEL", _env("LOG_LEVEL"), "INFO", LOG_LEVELS),
        given_bot_api_token=_env("BOT_API_TOKEN"),
        given_secret_key=_env("KEFU_SECRET_KEY"),
        given_action_secret=_env("KEFU_ACTION_SECRET"),
        demo_agent_password=_env("DEMO_AGENT_PASSWORD"),
        demo_editor_password=_env("DEMO_EDITOR_PASSWORD"),
        demo_shop=_flag("KEFU_DEMO_SHOP", False),
        configured_bot_urls=values.server_urls("KEFU_BOT_URLS", _env("KEFU_BOT_URLS")),
        faq_retrain=_flag("KEFU_FAQ_RETRAIN", True),
        handoff_service_hours=values.service_hours("HANDOFF_SERVICE_HOURS", _env("HANDOFF_SERVICE_HOURS"),
                                                   "09:00-22:00"),
        handoff_timezone=handoff_timezone,
        handoff_abandon_after_minutes=_whole("HANDOFF_ABANDON_AFTER_MINUTES", 120, low=1, high=7 * 24 * 60),
        analytics_timezone=_time_zone("ANALYTICS_TIMEZONE", handoff_timezone),
        analytics_interval=values.seconds("ANALYTICS_INTERVAL", _env("ANALYTICS_INTERVAL"), 5.0, high=3600,
                                          off="ingesting off"),
        ticket_lock_lifetime=_whole("TICKET_LOCK_LIFETIME", 0, low=1, high=3600) or None,
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
        telegram_api_url=values.url("TELEGRAM_API_URL", _env("TELEGRAM_API_URL"), "https://api.telegram.org/bot",
                                    schemes=("https", "http"), example="https://api.telegram.org/bot") or "",
        telegram_mode=mode,
        wechat_token=_env("WECHAT_TOKEN"),
        wechat_app_id=_env("WECHAT_APP_ID"),
        wechat_app_secret=_env("WECHAT_APP_SECRET"),
        wechat_encoding_aes_key=_env("WECHAT_ENCODING_AES_KEY"),
        wechat_api_url=values.url("WECHAT_API_URL", _env("WECHAT_API_URL"), "https://api.weixin.qq.com",
                                  schemes=("https", "http"), example="https://api.weixin.qq.com") or "",
        shop_adapter=_class_path("SHOP_ADAPTER", "shop.demo:DemoShop"),
        stock_rasa=_flag("KEFU_STOCK_RASA", False),
    )


@functools.cache
def current() -> Settings:
    """This process's settings: read from the environment on first use, then the same object.

    For what Rasa and rasa-sdk instantiate themselves (channels, stores, NLG, event broker,
    actions); what Kefu builds gets its settings passed in. Tests that change the environment
    call ``current.cache_clear()`` (``tests/conftest.py`` does before every test).

    Raises:
        SettingsError: when a variable holds an unusable value (the next call reads again).
    """
    return load_settings()


def set_defaults(defaults: Mapping[str, str]) -> None:
    """Gives each variable of ``defaults`` that the environment leaves unset (or blank) its value
    there, so that this process's settings and the children it starts see it (``make run``'s
    defaults). Call it before anything reads :func:`current`."""
    for name, value in defaults.items():
        if not _env(name):
            os.environ[name] = value


def inherited_environment() -> dict[str, str]:
    """A copy of this process's whole environment, for the child processes it starts (the
    launcher's, ``rasa train``): they read their settings from it."""
    return dict(os.environ)


def _class_path(name: str, default: str) -> str:
    return values.class_path(name, _env(name) or default, default)


def _customer_secret() -> str | None:
    value = _env("KEFU_CUSTOMER_TOKEN_SECRET")
    if value is not None and len(value.encode("utf-8")) < MIN_MASTER_BYTES:
        raise SettingsError(f"KEFU_CUSTOMER_TOKEN_SECRET must have at least {MIN_MASTER_BYTES} bytes; generate "
                            "one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return value


def read_secret(name: str, path: Path, *, create: bool = False) -> str:
    """A generated secret from its file under ``var/`` (for when the environment does not give it).

    Args:
        name: the environment variable that would give it instead (named in the error).
        path: the file holding the generated secret.
        create: generate the file when missing (only the launcher does this).

    Raises:
        SettingsError: when the secret is neither set nor generated yet.
    """
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if not create:
        raise SettingsError(
            f"{name} is not set and {path} does not exist; start Kefu with 'make run' "
            f"or set {name}."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
