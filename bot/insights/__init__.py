"""The organiser's dashboard figures (issue 12), computed from the database in read-only
units of work. No platform code here; charts live in `adapters/web/charts.py`.

    figures = await program_figures(core, workspace_id, program_id)   # NotFound → 404
    summaries = await overview_figures(core, workspace_id)
    mine = await member_figures(core, workspace_id, user_id)
    text = await round_csv(core, workspace_id, program_id)
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
]
