"""deploy/: the compose file, nginx and the Helm chart agree with each other and with the contract.

Neither ``docker compose`` nor ``helm`` is available on every machine (not on CI here), so the
files are checked as data: ports, services, roles, environment variables and value references.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "kefu"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def source_text() -> str:
    parts = [p.read_text(errors="replace") for d in ("kefu", "bot", "web", "handoff", "actions", "shop")
             for p in (ROOT / d).rglob("*.py")]
    return "\n".join(parts + [(ROOT / "endpoints.yml").read_text()])


def test_compose_has_the_production_topology():
    services = compose()["services"]
    assert {"rasa1", "rasa2", "actions", "web", "postgres", "redis", "nginx", "migrate"} <= set(services)
    assert services["rabbitmq"]["profiles"] == ["analytics"]  # optional
    roles = {name: s.get("command") for name, s in services.items() if s.get("image") == "kefu:latest"}
    assert roles == {"migrate": ["migrate"], "rasa1": ["rasa"], "rasa2": ["rasa"], "actions": ["actions"],
                     "web": ["web"]}
    entrypoint = (DEPLOY / "entrypoint.sh").read_text()
    for role in ("rasa", "actions", "web", "migrate"):
        assert f"  {role})" in entrypoint
    for module in ("bot.server", "bot.action_server", "web"):
        assert f"python -m {module}" in entrypoint


def test_only_nginx_publishes_ports_and_they_are_the_contract_ports():
    services = compose()["services"]
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert published == {"nginx": ["5005:5005", "8000:8000"]}  # the action server, DB, Redis stay inside


def test_compose_environment_is_what_kefu_reads():
    env = compose()["services"]["rasa1"]["environment"]
    source = source_text()
    for name in env:
        assert name.startswith("SANIC_") or name in source, f"{name} is set in compose but read nowhere"
    assert env["REDIS_URL"].startswith("redis://redis:") and env["DATABASE_URL"].startswith("postgresql://")
    assert env["ACTION_SERVER_URL"] == "http://actions:5055/webhook"
    for secret in ("BOT_API_TOKEN", "KEFU_SECRET_KEY"):
        assert env[secret].startswith("${") and ":?" in env[secret]  # required, no default


def test_the_web_app_reaches_every_rasa_replica_by_name_and_shares_their_models():
    """In compose the web container reaches Rasa by service name, not on 127.0.0.1: it confirms
    FAQ publications with each replica and hands them the retrained model, which they must see."""
    from kefu.settings_values import server_urls

    services = compose()["services"]
    replicas = sorted(name for name in services if re.fullmatch(r"rasa\d+", name))
    urls = server_urls("KEFU_BOT_URLS", services["web"]["environment"]["KEFU_BOT_URLS"])
    assert sorted(urls) == [f"http://{name}:5005" for name in replicas]
    var_dir = re.search(r"KEFU_VAR_DIR=(\S+)", (DEPLOY / "Dockerfile").read_text()).group(1)
    for name in ["web", *replicas]:
        assert f"models:{var_dir}/models" in services[name]["volumes"], name
    assert f"mkdir -p {var_dir}/models" in (DEPLOY / "Dockerfile").read_text()  # a volume the kefu user owns


def test_helm_names_each_rasa_replica_for_the_web_app():
    templates = CHART / "templates"
    rasa = (templates / "rasa.yaml").read_text()
    assert "kind: StatefulSet" in rasa and "serviceName: {{ .Release.Name }}-rasa-pods" in rasa
    headless = yaml.safe_load(re.sub(r"\{\{[^}]*\}\}", "x", rasa.split("---")[-1]))
    assert headless["kind"] == "Service" and headless["spec"]["clusterIP"] == "None"
    assert "{{ .Release.Name }}-rasa-pods" in rasa.split("---")[-1]
    helper = (templates / "_helpers.tpl").read_text()
    assert 'define "kefu.botUrls"' in helper and "until (int .Values.rasa.replicas)" in helper
    assert '"http://%s-rasa-%d.%s-rasa-pods:%v"' in helper
    web = (templates / "web.yaml").read_text()
    assert re.search(r"- name: KEFU_BOT_URLS\n\s+value: \{\{ include \"kefu.botUrls\" \. \| quote \}\}", web)


def test_nginx_balances_both_replicas_and_upgrades_websockets():
    conf = (DEPLOY / "nginx" / "nginx.conf").read_text()
    upstream = re.search(r"upstream rasa \{(.*?)\}", conf, re.DOTALL).group(1)
    replicas = [name for name in compose()["services"] if re.fullmatch(r"rasa\d+", name)]
    assert sorted(re.findall(r"server (\w+):5005;", upstream)) == sorted(replicas)
    assert "ip_hash" not in upstream and "sticky" not in upstream  # plain round robin
    socketio = re.search(r"location /socket.io/ \{(.*?)\}", conf, re.DOTALL).group(1)
    assert "proxy_set_header Upgrade $http_upgrade" in socketio and "Connection $connection_upgrade" in socketio
    assert "actions" not in conf
    # tokens travel in query strings (Rasa API, the console's live feed): never in the access log
    log_format = re.search(r"log_format kefu '([^']*)'", conf).group(1)
    assert "$request " not in log_format + " " and "$args" not in log_format and "$request_uri" not in log_format
    assert re.search(r"access_log \S+ kefu;", conf)


def test_nginx_keeps_rasas_http_api_off_the_internet():
    """The chat port publishes the channels; Rasa's admin API (load/unload models, read and write
    any conversation) is answered 404 by nginx itself, whatever token a caller holds."""
    conf = (DEPLOY / "nginx" / "nginx.conf").read_text()
    chat = re.search(r"server \{\s*listen 5005;(.*?)\n    \}", conf, re.DOTALL).group(1)
    blocked = re.search(r"location ~ \^/\(([a-z|]+)\)\(/\|\$\) \{\s*default_type application/json;\s*"
                        r"return 404 ", chat)
    assert blocked and {"model", "conversations", "domain", "status"} <= set(blocked.group(1).split("|"))
    for public in ("/socket.io/", "/webhooks/rest/", "/"):
        assert f"location {public} {{" in chat


def test_helm_values_cover_every_reference_in_the_templates():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["rasa"]["replicas"] >= 2 and values["rasa"]["port"] == 5005
    assert values["actions"]["port"] == 5055 and values["web"]["port"] == 8000
    for template in (CHART / "templates").iterdir():
        for path in re.findall(r"\.Values\.([A-Za-z0-9_.]+)", template.read_text()):
            node = values
            for key in path.split("."):
                assert isinstance(node, dict) and key in node, f"{template.name}: .Values.{path} is not in values.yaml"
                node = node[key]
    for component in ("rasa", "actions", "web"):
        assert {"requests", "limits"} <= set(values[component]["resources"])
        text = (CHART / "templates" / f"{component}.yaml").read_text()
        assert "secretRef" in text and f'args: ["{component}"]' in text


@pytest.mark.skipif(not shutil.which("helm"), reason="helm is not installed")
def test_helm_renders():
    out = subprocess.run(["helm", "template", "kefu", str(CHART)], capture_output=True, text=True, check=True).stdout
    assert out.count("kind: Deployment") == 2 and out.count("kind: StatefulSet") == 1
    assert 'value: "http://kefu-rasa-0.kefu-rasa-pods:5005,http://kefu-rasa-1.kefu-rasa-pods:5005"' in out


def _compose_cli() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], check=False,
                                                 capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(_compose_cli() is None, reason="docker compose is not installed")
def test_docker_compose_config_is_valid():
    env = {"POSTGRES_PASSWORD": "x", "BOT_API_TOKEN": "x", "KEFU_SECRET_KEY": "x" * 32, "DEMO_AGENT_PASSWORD": "x",
           "DEMO_EDITOR_PASSWORD": "x", "KEFU_ACTION_SECRET": "x", "RABBITMQ_PASSWORD": "x", "PATH": "/usr/bin:/bin"}
    subprocess.run([*_compose_cli(), "-f", str(DEPLOY / "docker-compose.yml"), "config", "-q"], env=env, check=True)


# -- the action server's door, credentials -----------------------------------------------------------
def _networks(service: dict) -> set[str]:
    networks = service.get("networks")
    if networks is None:
        return {"default"}
    return set(networks) if isinstance(networks, (list, dict)) else set()


def test_only_the_rasa_replicas_reach_the_action_server():
    """Containers on a shared network reach each other on every port: the action server shares
    its networks with the Rasa replicas and the databases only, never with nginx or the web app."""
    spec = compose()
    services = spec["services"]
    actions = _networks(services["actions"])
    assert "default" not in actions
    neighbours = {name for name, s in services.items() if name != "actions" and _networks(s) & actions}
    assert {"rasa1", "rasa2"} <= neighbours <= {"rasa1", "rasa2", "postgres", "redis"}, neighbours
    for name in actions:
        assert spec["networks"][name].get("internal") is True, f"network {name} must be internal"
    assert "ports" not in services["actions"] and "ports" not in services["postgres"]
    # nginx still reaches what it proxies, the replicas still reach their databases
    for upstream in ("rasa1", "rasa2", "web"):
        assert _networks(services["nginx"]) & _networks(services[upstream]), upstream
    for client in ("rasa1", "rasa2", "web", "migrate", "actions"):
        assert _networks(services[client]) & _networks(services["postgres"]), client


def test_the_action_secret_is_required_where_it_is_used_and_only_there():
    services = compose()["services"]
    for name in ("rasa1", "rasa2", "actions"):
        value = services[name]["environment"]["KEFU_ACTION_SECRET"]
        assert value.startswith("${KEFU_ACTION_SECRET:?"), (name, value)
    for name in ("web", "migrate", "nginx"):
        assert "KEFU_ACTION_SECRET" not in (services[name].get("environment") or {}), name
    assert re.search(r"^KEFU_ACTION_SECRET=$", (DEPLOY / ".env.example").read_text(), re.MULTILINE)
    values = (CHART / "values.yaml").read_text()
    assert "KEFU_ACTION_SECRET" in values  # listed among the Secret's keys
    policy = yaml.safe_load((CHART / "templates" / "networkpolicy.yaml").read_text().replace("{{", "#").replace("}}", ""))
    assert policy["kind"] == "NetworkPolicy"
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "actions"
    sources = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
               for rule in policy["spec"]["ingress"] for peer in rule["from"]]
    assert sources == ["rasa"]


CREDENTIAL = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|PASS\b", re.IGNORECASE)


def _deployment_files() -> list[Path]:
    files = [p for p in DEPLOY.rglob("*") if p.is_file()]
    return files + [ROOT / "endpoints.yml", ROOT / "credentials.yml"]


def test_no_credential_has_a_default_value():
    """``${RABBITMQ_PASSWORD:-change-me}`` gives every deployment the same password: a variable
    naming a password, secret, token or key is either required (``:?``) or empty by default."""
    found = []
    for path in _deployment_files():
        text = path.read_text(errors="replace")
        for name, default in re.findall(r"\$\{([A-Za-z0-9_]+):?-([^}]*)\}", text):
            if CREDENTIAL.search(name) and default.strip():
                found.append(f"{path.relative_to(ROOT)}: ${{{name}:-{default}}}")
        # literal values given to credential keys (KEY: value / KEY=value)
        for key, value in re.findall(r"^[ \t]*([A-Z][A-Z0-9_]*)[ \t]*[:=][ \t]*(\S.*)$", text, re.MULTILINE):
            value = value.strip().strip("'\"")
            if CREDENTIAL.search(key) and value and not value.startswith(("${", "#")) and "valueFrom" not in value:
                found.append(f"{path.relative_to(ROOT)}: {key}={value}")
    assert found == [], found
    rabbit = compose()["services"]["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_PASS"]
    assert rabbit.startswith("${RABBITMQ_PASSWORD:?"), rabbit


def test_compose_and_helm_leave_the_demo_shop_off():
    """``/demo/customer-token`` mints a token for any customer: only ``make run`` turns it on."""
    from kefu.settings import FALSE_WORDS

    for name in ("rasa1", "web", "migrate", "actions"):
        value = compose()["services"][name]["environment"].get("KEFU_DEMO_SHOP", "")
        default = re.fullmatch(r"\$\{KEFU_DEMO_SHOP:-(\w*)\}", value)
        assert default and default.group(1).lower() in FALSE_WORDS + ("",), (name, value)
    assert str(yaml.safe_load((CHART / "values.yaml").read_text())["env"]["KEFU_DEMO_SHOP"]).lower() in FALSE_WORDS
    assert re.search(r"^KEFU_DEMO_SHOP=(0|false|off|no)?$", (DEPLOY / ".env.example").read_text(), re.MULTILINE)


def test_helm_ingress_publishes_only_the_channels_on_the_chat_host():
    """Like nginx.conf's chat port, the Ingress must not route Rasa's admin API (/model,
    /conversations) to the internet: the chat host lists the channels' paths, nothing else."""
    text = (CHART / "templates" / "ingress.yaml").read_text()
    chat, web = text.split("- host: {{ .Values.ingress.webHost }}")
    chat = chat.split("- host: {{ .Values.ingress.chatHost }}")[1]
    assert sorted(re.findall(r"- path: (\S+)", chat)) == ["/socket.io/", "/webhooks/"]
    assert all(kind == "Prefix" for kind in re.findall(r"pathType: (\S+)", chat))
    assert "-rasa," in chat and "-web," in web


@pytest.mark.parametrize("retrain_is_newer", [True, False])
def test_a_restarted_rasa_container_runs_the_published_retrain_unless_the_image_is_newer(tmp_path, retrain_is_newer):
    import os

    home, var, bin_dir = tmp_path / "app", tmp_path / "var", tmp_path / "bin"
    for folder in (home / "models", var / "models", bin_dir):
        folder.mkdir(parents=True)
    image_model, retrain = home / "models" / "kefu-image.tar.gz", var / "models" / "kefu-retrain.tar.gz"
    for model in (image_model, retrain):
        model.write_bytes(b"model")
    os.utime(image_model, (1_000, 1_000) if retrain_is_newer else (3_000, 3_000))
    os.utime(retrain, (2_000, 2_000))
    (var / "models" / "current").write_text(f"{retrain}\n")
    python = bin_dir / "python"  # stands for the image's interpreter: says what it was asked to run
    python.write_text('#!/bin/sh\necho "$@"\n')
    python.chmod(0o755)
    ran = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), "rasa"], capture_output=True, text=True, check=True,
                         env={"PATH": f"{bin_dir}:/usr/bin:/bin", "KEFU_HOME": str(home), "KEFU_VAR_DIR": str(var)})
    expected = retrain if retrain_is_newer else image_model
    assert ran.stdout.split() == ["-m", "bot.server", "--model", str(expected), "--port", "5005"]
