"""Socket Mode end to end: apps.connections.open on the fake Web API, a loopback websocket that
delivers /occ envelopes, acknowledgements by envelope_id, answers through response_url."""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time

import pytest
from websockets.sync.server import serve

from tests.conftest import BOT_TOKEN, ROOT, integration_env
from tests.test_settings_and_startup import CLEAN


class FakeSocketMode:
    def __init__(self) -> None:
        self.outbox: "queue.Queue[dict]" = queue.Queue()
        self.received: list[dict] = []
        self.connected = threading.Event()
        self.server = serve(self._handler, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def _handler(self, ws) -> None:  # noqa: ANN001
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                            "connection_info": {"app_id": "A1"}}))
        self.connected.set()
        while True:
            try:
                envelope = self.outbox.get(timeout=0.05)
                ws.send(json.dumps(envelope))
            except queue.Empty:
                pass
            try:
                message = ws.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:  # noqa: BLE001 - closed
                return
            self.received.append(json.loads(message))

    def acks_for(self, envelope_id: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for msg in self.received:
                if msg.get("envelope_id") == envelope_id:
                    return msg
            time.sleep(0.02)
        raise AssertionError(f"no ack for {envelope_id}: {self.received}")

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def socket_server():
    fake = FakeSocketMode()
    yield fake
    fake.close()


def test_socket_mode_help_and_health(tmp_path, slack, integrations, socket_server):
    original = slack.route

    def route(call):
        if call.path.endswith("/apps.connections.open"):
            assert call.headers["Authorization"] == "Bearer xapp-1-test"
            return 200, {"ok": True, "url": socket_server.url}, {}
        return original(call)

    slack.route = route
    env = {**CLEAN, "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-test",
           "DATABASE_URL": f"sqlite:///{tmp_path}/occ.db", "OCC_PROBE_TIMEOUT_S": "2", **integration_env(integrations)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=(tmp_path / "bot.log").open("wb"))
    try:
        assert socket_server.connected.wait(30), (tmp_path / "bot.log").read_text()
        base = {"command": "/occ", "user_id": "U1", "channel_id": "C1", "team_id": "T1", "trigger_id": "t"}
        socket_server.outbox.put({"envelope_id": "env-help", "type": "slash_commands", "accepts_response_payload": True,
                                  "payload": {**base, "text": "help", "response_url": slack.response_url("sh")}})
        ack = socket_server.acks_for("env-help")
        assert "/occ health" in json.dumps(ack.get("payload"))
        socket_server.outbox.put({"envelope_id": "env-health", "type": "slash_commands", "accepts_response_payload": True,
                                  "payload": {**base, "text": "health", "response_url": slack.response_url("sk")}})
        socket_server.acks_for("env-health")
        answer = slack.wait_for("/respond/sk")[0]
        text = json.dumps(answer.body, ensure_ascii=False)
        assert "*Shopify* — *OK*" in text and "*Chatwoot* — *OK*" in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
