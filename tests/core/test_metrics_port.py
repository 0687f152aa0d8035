"""`WARMINTRO_METRICS_PORT`: console and Discord processes expose /metrics on their own port."""

from __future__ import annotations

from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from adapters.metrics_http import metrics_server
from bot.config import Settings
from tests.conftest import World


async def test_no_metrics_port_no_server(world: World) -> None:
    assert await metrics_server(Settings(_env_file=None), world.app.core) is None  # type: ignore[call-arg]


async def test_the_metrics_port_serves_the_console_processs_figures(world: World) -> None:
    settings = Settings(_env_file=None, WARMINTRO_METRICS_PORT=0)  # type: ignore[call-arg]
    assert settings.metrics_host == "127.0.0.1"
    runner = await metrics_server(settings, world.app.core)
    assert runner is not None
    try:
        await world.program(["maya", "li"])
        await world.coffee("li", "status")
        host, port = runner.addresses[0][:2]
        async with ClientSession() as session, session.get(f"http://{host}:{port}/metrics") as r:
            text = await r.text()
    finally:
        await runner.cleanup()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    status = [
        s
        for s in families["warmintro_command_seconds"].samples
        if s.name.endswith("_count") and s.labels == {"command": "status"}
    ]
    assert status and status[0].value >= 1
    backlog = families["warmintro_outbox_backlog"].samples
    assert {s.labels["platform"] for s in backlog} >= {world.app.core.platform.name}
