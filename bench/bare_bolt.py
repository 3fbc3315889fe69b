"""The yardstick: a minimal slack_bolt App answering /occ in its acknowledgement, on waitress with
the bot's thread count, verifying signatures (Bolt's own verifier). Run by bench/burst_bench.py
in its own process, like the bot. With BARE_PROCESS_BEFORE_RESPONSE=1 its listener runs on the
request's thread, as the bot's do (by default Bolt hands it to a pool and polls every 10 ms for the
acknowledgement). On its own:

    SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=xoxb-… PORT=3001 .venv/bin/python bench/bare_bolt.py
"""
from __future__ import annotations

import logging
import os

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

logging.basicConfig(level=logging.WARNING)

app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], token_verification_enabled=False,
          client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ.get("SLACK_API_URL") or None),
          process_before_response=os.environ.get("BARE_PROCESS_BEFORE_RESPONSE") == "1")


@app.command("/occ")
def occ(ack, command) -> None:  # noqa: ANN001 - Bolt's arguments
    text = command.get("text") or "help"
    ack(response_type="ephemeral", text=f"{text}: ok",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*: ok"}}])


handler = SlackRequestHandler(app)


def wsgi(environ, start_response):  # noqa: ANN001, ANN201 - a WSGI app
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]
    return handler(environ, start_response)


if __name__ == "__main__":
    waitress.serve(wsgi, host="127.0.0.1", port=int(os.environ["PORT"]),
                   threads=int(os.environ.get("OCC_HTTP_THREADS", "16")), ident="bare", _quiet=True)
