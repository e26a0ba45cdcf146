"""``make run``: prepares Kefu and runs its processes in the foreground.

``python -m bot customer-key`` prints the key a shop signs HS256 customer tokens with when it
configured no key of its own (docs/operators/security/tokens.md).

Preparation is idempotent and quick when nothing changed: FAQ build, model training only
when its inputs changed, database migration and demo seed. Then the action server, the web
app and the Rasa server(s) start; their output is shown prefixed with their name. A process
that dies is restarted (with a growing pause; a Rasa server with the model published since,
``var/models/current``); Ctrl-C or SIGTERM stops them all.

``var/`` holds the databases (SQLite), the generated secrets, the written credentials and any
log an operator sends there: the launcher sets a umask of 077 before it creates anything (the
processes it starts inherit it), so everything is created for the owner only, and takes group
and other permissions off what ``var/`` already holds (``var/`` 0700, files 0600).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.channels import optional_channels, write_runtime_credentials
from bot.stack.prepare import demo_credentials, setup_database
from bot.stack.services import Output, Service
from bot.stack.training import current_model, ensure_model, last_lines, rasa_environment, set_current_model
from handoff.hours import ServiceHours
from kefu.settings import Settings, SettingsError, current, set_defaults
from kefu.startup import check_keys, exit_with
from kefu.tokens import customer_key
from shop.adapter import adapter_class

READY_TIMEOUT = 300  # seconds a process may take to answer its health check
#: seconds a dead replica's conversation lock blocks that conversation, unless TICKET_LOCK_LIFETIME says
DEFAULT_TICKET_LOCK_LIFETIME = 20


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def prepare(settings: Settings) -> Path:
    """Builds the FAQ data, migrates and seeds, trains when needed; returns the model path.

    One line per step on the terminal; what training prints goes to ``var/logs/train.log``.
    """
    root = settings.root
    python = sys.executable
    build = subprocess.run([python, "-m", "faq", "build", "--content", str(settings.faq_dir)], cwd=root,
                           stdout=subprocess.PIPE, text=True, check=False)  # its problems (stderr) go to the terminal
    if build.returncode != 0:
        raise SystemExit(1)
    step(build.stdout.strip().rstrip("."))
    notes: list[str] = []
    setup_database(settings, notes.append)
    step("database: " + "; ".join(["migrated", *notes]))
    from faq.publishing import model_inputs

    # FAQ content published in the web editor since the files were last imported: the model
    # is trained with it (into var/models), so the start loads what is live.
    faq_data = model_inputs(settings.database_url, settings.var_dir)
    try:
        model = ensure_model(root, python=python, faq_data=faq_data,
                             models_dir=settings.var_dir / "models" if faq_data else None,
                             log_path=logs_dir(settings) / "train.log")
    except RuntimeError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from error
    # what the servers run from now on; a retrain the web app hot-swaps replaces it (a restart loads that)
    set_current_model(settings.var_dir / "models", model)
    return model


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def logs_dir(settings: Settings) -> Path:
    """``var/logs``: training's output and each process's (``rasa.log``, ``actions.log``, ``web.log``)."""
    return settings.var_dir / "logs"


def services(settings: Settings, model: Path) -> list[Service]:
    python = sys.executable
    env = rasa_environment(
        {
            "BOT_API_TOKEN": settings.bot_api_token,
            "KEFU_SECRET_KEY": settings.secret_key,
            "ACTION_SERVER_URL": settings.action_server_url,
            "DATABASE_URL": settings.database_url,
            "PYTHONUNBUFFERED": "1",
            # A replica killed mid-turn leaves its conversation lock in Redis: the conversation
            # waits this long (seconds) for it on another replica instead of Rasa's 60.
            "TICKET_LOCK_LIFETIME": str(settings.ticket_lock_lifetime or DEFAULT_TICKET_LOCK_LIFETIME),
        }
    )
    # The Rasa servers and the action server share a secret (bot.action_secret), given to those
    # children only and by environment, never on a command line.
    actions_env = {**env, "KEFU_ACTION_SECRET": settings.action_secret}
    result = [
        # It listens on loopback: on this host only the Rasa servers call it (and they send the secret).
        Service("actions",
                [python, "-m", "bot.action_server", "--actions", "actions", "--port", str(settings.actions_port)],
                f"http://127.0.0.1:{settings.actions_port}/health", {**actions_env, "SANIC_HOST": "127.0.0.1"}),
        Service("web", [python, "-m", "web"], f"http://127.0.0.1:{settings.web_port}/healthz", env),
    ]
    # Channels: credentials.yml + Telegram/WeChat when configured. In Telegram polling mode only
    # the first replica polls (Telegram allows one poller per bot); the others can still push.
    credentials = write_runtime_credentials(settings, settings.var_dir / "credentials.yml")
    replica_credentials = credentials
    if settings.bot_replicas > 1 and settings.telegram_mode == "polling":
        replica_credentials = write_runtime_credentials(
            settings, settings.var_dir / "credentials-replica.yml", telegram_polling=False)
    for replica in range(settings.bot_replicas):
        port = settings.bot_port + replica
        name = "rasa" if settings.bot_replicas == 1 else f"rasa{replica + 1}"
        channels = credentials if replica == 0 else replica_credentials
        # a replica restarted after a publication loads the published model (var/models/current),
        # not ``model``: the retrain's prune may have deleted it
        result.append(Service(name, [python, "-m", "bot.server", "--model", str(model), "--port", str(port),
                                     "--credentials", str(channels)],
                              f"http://127.0.0.1:{port}/", actions_env,
                              model=lambda: current_model(settings.var_dir / "models", model)))
    return result


def duty_lines(settings: Settings, now: dt.datetime) -> list[str]:
    """The agents' duty status at ``now`` and how to change it (HANDOFF_SERVICE_HOURS)."""
    hours = ServiceHours.parse(settings.handoff_service_hours, settings.handoff_timezone)
    zone = hours.zone.key
    if hours.always_open:
        return [(f"  Agents (human handoff)       on duty around the clock (HANDOFF_SERVICE_HOURS="
                 f"{settings.handoff_service_hours}): handoffs go to the agent console's queue")]
    closes = f"{hours.closes_minutes // 60:02d}:{hours.closes_minutes % 60:02d}"
    if hours.is_open(now):
        status = f"on duty now, until {closes} {zone}: handoffs go to the agent console's queue"
    else:
        opening = hours.next_opening(now)
        day = "today" if opening.date() == now.astimezone(hours.zone).date() else "tomorrow"
        status = f"off duty until {opening:%H:%M} {day} ({zone}): handoffs become callback requests"
    return [
        f"  Agents (human handoff)       {status}",
        (f"                               hours {settings.handoff_service_hours} (HANDOFF_SERVICE_HOURS); "
         "for a demo at any hour: HANDOFF_SERVICE_HOURS=00:00-24:00 make run"),
    ]


def banner_lines(settings: Settings, now: dt.datetime | None = None) -> list[str]:
    """What ``make run`` prints when everything is ready: the URLs, the agents' duty, the logins."""
    now = now or dt.datetime.now(dt.timezone.utc)
    web = f"http://localhost:{settings.web_port}"
    lines = [
        "",
        "Kefu is running. Ctrl-C stops everything.",
        f"  Storefront with chat widget  {web}/",
        f"  Agent console                {web}/console",
        f"  FAQ editor                   {web}/faq",
        f"  Dashboard                    {web}/dashboard",
        f"  Rasa server (REST channel)   http://localhost:{settings.bot_port}/webhooks/rest/webhook",
        # a secret given by the environment is the operator's: not repeated in the output
        (f"  Rasa HTTP API token          "
         f"{'(BOT_API_TOKEN)' if settings.given_bot_api_token else settings.bot_api_token}"),
        f"  Widget for any shop page     <script src=\"{web}/widget.js\" defer></script>",
        *duty_lines(settings, now),
    ]
    lines += [f"  {note}" for note in optional_channels(settings)[1]]
    for username, role, password in demo_credentials(settings):
        if settings.demo_password(username):
            password = f"(DEMO_{username.upper()}_PASSWORD)"
        lines.append(f"  Demo {role:<8} login          {username} / {password}")
    lines.append("")
    return lines


def banner(settings: Settings) -> None:
    print("\n".join(banner_lines(settings)), flush=True)


def supervise(settings: Settings, model: Path) -> int:
    root = settings.root
    children = services(settings, model)
    stopping = threading.Event()

    def on_signal(signum, _frame):
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    output = Output(logs_dir(settings))
    shown_logs = _shown(output.log_dir, root)
    step(f"starting the action server, the web app and the Rasa server (loading the model takes a while; "
         f"their output: {shown_logs}/)")
    for child in children:
        child.start(root, output)
    deadline = time.monotonic() + READY_TIMEOUT
    pending = list(children)
    while pending and not stopping.is_set():
        for child in list(pending):
            if child.process and child.process.poll() is not None:
                log = output.log_path(child.name)
                time.sleep(0.2)  # the relay thread writes the last lines
                print(f"{child.name} exited with code {child.process.returncode} while starting; the last lines "
                      f"of {_shown(log, root)}:\n{last_lines(log) if log.exists() else '  (nothing)'}",
                      file=sys.stderr, flush=True)
                stopping.set()
            elif child.ready():
                step(f"{child.name} is ready")
                pending.remove(child)
        if time.monotonic() > deadline:
            print(f"{', '.join(c.name for c in pending)} did not become ready in {READY_TIMEOUT} s; their output "
                  f"is in {shown_logs}/.", file=sys.stderr, flush=True)
            stopping.set()
        stopping.wait(0.5)
    if not stopping.is_set():
        banner(settings)
        output.echo.set()  # from now on the processes' output is shown too, prefixed with their name

    while not stopping.is_set():
        for child in children:
            if child.process and child.process.poll() is not None and not stopping.is_set():
                now = time.monotonic()
                child.restarts = [t for t in child.restarts if now - t < 60] + [now]
                pause = min(2 ** len(child.restarts), 30)
                print(f"{child.name} exited with code {child.process.returncode}; restarting in {pause} s.",
                      file=sys.stderr, flush=True)
                if stopping.wait(pause):
                    break
                child.start(root, output)
        stopping.wait(1)

    step("stopping")
    for child in children:
        child.stop()
    deadline = time.monotonic() + 10
    for child in children:
        if child.process:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


#: What the launcher and every process it starts create is the owner's only.
PRIVATE_UMASK = 0o077


def make_private(var_dir: Path) -> None:
    """Creates ``var_dir`` if needed and takes group and other permissions off it and everything
    in it (``var/`` 0700, its databases, secrets and logs 0600). Symbolic links are not followed."""
    var_dir.mkdir(parents=True, exist_ok=True)
    for folder, folders, files in os.walk(var_dir):
        for path in [Path(folder), *(Path(folder) / name for name in files + folders)]:
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)


#: What ``make run`` means that a bare process does not: the demo shop is on unless the
#: operator says otherwise (compose, Helm and a plain ``python -m web`` leave it off).
RUN_DEFAULTS = {"KEFU_DEMO_SHOP": "1"}


def main(argv: list[str]) -> int:
    os.umask(PRIVATE_UMASK)  # before anything is created: databases, secrets, models, credentials
    command = argv[0] if argv else "run"
    if command in ("run", "prepare"):
        set_defaults(RUN_DEFAULTS)  # passed on to the children with the rest of the environment
    try:
        settings = current()
        make_private(settings.var_dir)
        settings.create_secrets()
        check_keys(settings)  # a short KEFU_SECRET_KEY, an unusable shop key: stop before any work
        adapter_class(settings)  # SHOP_ADAPTER importable and a ShopAdapter
    except SettingsError as error:
        exit_with("python -m bot", error)
    if command == "customer-key":
        return print_customer_key(settings)
    if command == "prepare":
        prepare(settings)
        return 0
    if command == "train":
        try:
            ensure_model(settings.root, force="--force" in argv, log_path=logs_dir(settings) / "train.log")
        except RuntimeError as error:  # TrainingDataError names file and line; rasa train's own failure
            print(error, file=sys.stderr)
            return 1
        return 0
    if command == "run":
        if settings.bot_replicas > 1 and not settings.redis_url:
            print(f"BOT_REPLICAS={settings.bot_replicas} needs REDIS_URL: the replicas must share their "
                  "conversation locks (and rate limits) through Redis, or two of them could answer the same "
                  "conversation at once. Set REDIS_URL=redis://host:6379/0 or use BOT_REPLICAS=1.",
                  file=sys.stderr)
            return 2
        model = prepare(settings)
        return supervise(settings, model)
    print("usage: python -m bot [run|prepare|train [--force]|customer-key]", file=sys.stderr)
    return 2


def print_customer_key(settings: Settings) -> int:
    """``python -m bot customer-key``: prints the HS256 key a shop signs customer tokens with when it
    configured no key of its own (a sub-key of KEFU_SECRET_KEY: it signs nothing else)."""
    if settings.customer_token_public_key:
        print("Customer tokens are checked with the shop's public key (KEFU_CUSTOMER_TOKEN_PUBLIC_KEY): "
              "the shop signs them with its private key, and Kefu has no key to give out.", file=sys.stderr)
        return 2
    if settings.customer_token_secret:
        print("Customer tokens are checked with KEFU_CUSTOMER_TOKEN_SECRET: the shop signs them with that "
              "secret (HS256).", file=sys.stderr)
        return 2
    print(customer_key(settings.secret_key))
    print("Sign customer tokens with this key (HS256; claims sub, aud=customer, iat, exp). Keep it on the "
          "shop's servers; it signs nothing else. See docs/operators/security/tokens.md.", file=sys.stderr)
    return 0
