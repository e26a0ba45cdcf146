#!/bin/sh
# Entrypoint of the Kefu image: rasa | actions | web | migrate (see deploy/Dockerfile).
# Secrets (BOT_API_TOKEN, KEFU_SECRET_KEY, passwords, channel tokens) come from the environment.
set -e
role="${1:-rasa}"
case "$role" in
  rasa)
    # the image's newest model, or the one the last publication's retrain made current
    # (var/models/current in the shared models volume) when that one is newer: a container that
    # restarts runs what the other replicas run, and a rebuilt image's model wins over an older retrain
    model=$(ls -t "${KEFU_HOME:-/app}"/models/*.tar.gz | head -1)
    pointer="${KEFU_VAR_DIR:-/var/lib/kefu}/models/current"
    if [ -f "$pointer" ]; then
      named=$(head -n 1 "$pointer")
      if [ -f "$named" ] && [ "$named" -nt "$model" ]; then model="$named"; fi
    fi
    exec python -m bot.server --model "$model" --port "${BOT_PORT:-5005}" ;;
  actions)
    exec python -m bot.action_server --actions actions --port "${ACTIONS_PORT:-5055}" ;;
  web)
    exec python -m web ;;
  migrate)
    exec python -m bot.stack.prepare ;;
  *)
    exec "$@" ;;
esac
