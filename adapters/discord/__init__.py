"""WarmIntro on Discord (discord.py 2.x): `create_client`, `DiscordPlatform`, `run_discord`.

client = create_client(settings)            # the client and its command tree, not connected
app = build_app(db, DiscordPlatform(client), SystemClock(), settings)
client.attach(app)                          # events and interactions go to the core
await client.start(settings.discord_token)  # or simply: await run_discord(settings, db)
"""

import discord as _discord

if not hasattr(_discord.ui, "Checkbox"):  # modals with labels, user selects and checkboxes
    raise ImportError(
        f"the Discord adapter needs discord.py 2.7 or newer (found {_discord.__version__})"
    )

from adapters.discord.client import ShardedWarmIntroClient, WarmIntroClient, create_client
from adapters.discord.options import DiscordOptions
from adapters.discord.platform import DiscordPlatform
from adapters.discord.run import run_discord

__all__ = [
    "DiscordOptions",
    "DiscordPlatform",
    "ShardedWarmIntroClient",
    "WarmIntroClient",
    "create_client",
    "run_discord",
]
