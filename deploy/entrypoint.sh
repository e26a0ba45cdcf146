#!/bin/sh
# Entrypoint of the Kefu image: rasa | actions | web | migrate (see deploy/Dockerfile).
# Secrets (BOT_API_TOKEN, KEFU_SECRET_KEY, passwords, channel tokens) come from the environment.
set -e
role="${1:-rasa}"
case "$role" in
  rasa)
    model=$(ls -t /app/models/*.tar.gz | head -1)
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
