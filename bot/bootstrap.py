"""Wiring: settings → database (migrated) → core → app, for one platform."""

from __future__ import annotations

import logging
import random

from bot.app import WarmIntro
from bot.clock import Clock
from bot.config import Settings
from bot.core import Core
from bot.ports import Platform
from storage.engine import Database

logger = logging.getLogger(__name__)


async def open_database(settings: Settings, migrate: bool = True) -> Database:
    db = Database.from_url(settings.database_url)
    if migrate:
        await db.upgrade()
    return db


def build_app(
    db: Database,
    platform: Platform,
    clock: Clock,
    settings: Settings,
    rng: random.Random | None = None,
) -> WarmIntro:
    return WarmIntro(Core(db, platform, clock, settings, rng))


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
