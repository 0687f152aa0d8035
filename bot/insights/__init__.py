"""The organiser's dashboard figures (issue 12), computed from the database in read-only
units of work. No platform code here; charts live in `adapters/web/charts.py`.

    figures = await program_figures(core, workspace_id, program_id)   # NotFound → 404
    summaries = await overview_figures(core, workspace_id)
    mine = await member_figures(core, workspace_id, user_id)
    text = await round_csv(core, workspace_id, program_id)
    await warm_up(core)   # at start, in the background: the first view is then not the slow one

Figures are read in read-only units of work; each closed round's aggregate is kept in this
process (per database) until something about it changes (`bot.insights.meetings`,
`bot.insights.cache`); the open round, memberships, pauses, names and the wall are read on
every call.
"""

from bot.insights.figures import (
    Edge,
    Gratitude,
    Interests,
    Meeting,
    MemberFigures,
    MembershipView,
    Network,
    Node,
    Participation,
    Period,
    ProfileView,
    ProgramFigures,
    ProgramSummary,
    ReceivedNote,
    RoundFigures,
    SkillGap,
    TagCount,
    TeamMatrix,
    WallNote,
)
from bot.insights.member import member_figures
from bot.insights.program import (
    CSV_COLUMNS,
    NO_TEAM,
    NotFound,
    overview_figures,
    program_figures,
    program_key,
    round_csv,
    warm_up,
)

__all__ = [
    "CSV_COLUMNS",
    "NO_TEAM",
    "Edge",
    "Gratitude",
    "Interests",
    "Meeting",
    "MemberFigures",
    "MembershipView",
    "Network",
    "Node",
    "NotFound",
    "Participation",
    "Period",
    "ProfileView",
    "ProgramFigures",
    "ProgramSummary",
    "ReceivedNote",
    "RoundFigures",
    "SkillGap",
    "TagCount",
    "TeamMatrix",
    "WallNote",
    "member_figures",
    "overview_figures",
    "program_figures",
    "program_key",
    "round_csv",
    "warm_up",
]
