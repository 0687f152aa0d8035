"""Every word WarmIntro says to people, in one place: one module per concern, all of it
reachable as `wording.NAME` (add a message to the module of its concern; nothing else to do).

Voice: warm, brief, learning-framed, never guilt-tripping. Each function returns a `Message`
(or a line or string for short replies); what people typed is always a `UserText` span, and
people and channels are `UserRef` / `ChannelRef` spans, never formatted mentions.
"""

from bot.wording.avoid import *  # noqa: F403
from bot.wording.care import *  # noqa: F403
from bot.wording.dashboard import *  # noqa: F403
from bot.wording.errors import *  # noqa: F403
from bot.wording.help import *  # noqa: F403
from bot.wording.imports import *  # noqa: F403
from bot.wording.interview import *  # noqa: F403
from bot.wording.preview import *  # noqa: F403
from bot.wording.profile import *  # noqa: F403
from bot.wording.programs import *  # noqa: F403
from bot.wording.rounds import *  # noqa: F403
from bot.wording.slots import *  # noqa: F403
from bot.wording.spans import *  # noqa: F403
from bot.wording.status import *  # noqa: F403
from bot.wording.thanks import *  # noqa: F403
from bot.wording.web import *  # noqa: F403
