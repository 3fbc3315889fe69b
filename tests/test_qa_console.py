"""Q&A and training from the console: the capture form asked field by field (a screenshot as a file
path, a user id, a date), search, and a session's report with its CSV printed."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from chatops.settings import Settings
from chatops.transports import console
from chatops.wiring import build
from tests.fake_linear import LINEAR_KEY, TEAM_ID, FakeLinear
from tests.fakes import PNG


def run_console(tmp_path, script: str, **settings) -> str:
    app = build(Settings(database_url=f"sqlite:///{tmp_path}/c.db", **settings))
    out = io.StringIO()
    try:
        console.serve(app, io.StringIO(script), out)
    finally:
        app.close()
    return out.getvalue()


def test_console_capture_search_and_training_report(tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    day = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    script = "\n".join([
        f"training schedule {day} 15:00 Heatmap walkthrough", "training start 1",
        "qa", "Why is the heatmap red?", "It counts reserved stock", "9", "4", "", "/no/such/file.png", str(shot),
        "U777", "05/01/2030", "2030-01-05",
        "qa search heatmap", "training end 1", "training report 1",
    ]) + "\n"
    out = run_console(tmp_path, script)
    assert "Screenshot (optional) (a file path)> " in out
    assert "(give the path of an existing file" in out  # a missing file is asked again
    assert "! Pick a date (YYYY-MM-DD)." in out  # the handler's field error, then the field asked again
    assert "Saved Q-1 (Inventory Heatmap)" in out and "Linked to training session #1." in out
    assert "Q-1 · Inventory Heatmap" in out and "It counts reserved stock" in out
    assert "1 Q&A item(s) logged to Memory `ops`" in out
    assert "[file uploaded to #console (thread)] training-1-qa-log-" in out
    assert "timestamp,participant,question,tile,answer,owner,follow-up due" in out
    assert "Why is the heatmap red?,Inventory Heatmap,It counts reserved stock,U777,2030-01-05" in out


def test_console_files_a_confusing_state_with_a_local_screenshot(tmp_path):
    linear = FakeLinear()
    shot = tmp_path / "blank.png"
    shot.write_bytes(PNG)
    try:
        script = "\n".join(["qa", "Fulfillment tile blank", "", "3", "1", str(shot), "", "", "qa search blank"]) + "\n"
        out = run_console(tmp_path, script, linear_api_key=LINEAR_KEY, linear_team_id=TEAM_ID,
                          linear_api_url=linear.graphql_url)
    finally:
        linear.close()
    [issue] = linear.issues.values()
    [upload] = [u for u in linear.uploads.values() if "data" in u]
    assert upload["data"] == PNG and f"![blank.png]({upload['assetUrl']})" in issue["description"]
    assert "[posted to #console]" in out and "Filed SUP-1 (https://linear.app/hot-rodan/issue/SUP-1) in Linear" in out
    assert "SUP-1 (https://linear.app/hot-rodan/issue/SUP-1)" in out.split("qa search blank")[-1]
