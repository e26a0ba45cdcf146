"""Settings of every Kefu process, read from the environment (contract section 3).

Secrets never have a default: when ``BOT_API_TOKEN`` or the signing key is not given, the
launcher generates one once into ``var/`` (mode 0600) and hands it to the processes it starts.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

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
    #: (``/demo/customer-token``) on; a real shop sets KEFU_DEMO_SHOP=0
    demo_shop: bool = True
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
        """Key that signs web-app session tokens and customer tokens (``KEFU_SECRET_KEY``)."""
        return read_secret("KEFU_SECRET_KEY", self.var_dir / "secret_key")


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
        demo_shop=(_env("KEFU_DEMO_SHOP") or "1") != "0",
        telegram_token=_env("TELEGRAM_TOKEN"),
        telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
        telegram_api_url=_env("TELEGRAM_API_URL") or "https://api.telegram.org/bot",
        telegram_mode=mode,
        wechat_token=_env("WECHAT_TOKEN"),
        wechat_app_id=_env("WECHAT_APP_ID"),
        wechat_app_secret=_env("WECHAT_APP_SECRET"),
        wechat_encoding_aes_key=_env("WECHAT_ENCODING_AES_KEY"),
        wechat_api_url=_env("WECHAT_API_URL") or "https://api.weixin.qq.com",
    )


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
