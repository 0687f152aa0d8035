"""The dashboard's words: chart titles, legends, labels and the sentences under figures.

Charts (`adapters/web/charts.py`) build their text from here; names and notes people typed are
passed separately and escaped by the chart code.
"""

from __future__ import annotations

# The anonymised label of a node of the who-met-whom graph.
ANONYMOUS_NODE = "Person {n}"
NO_TEAM = "No team"
NO_DATA = "Nothing to show yet."

PARTICIPATION_TITLE = "Participation over time"
PARTICIPATION_DESC = (
    "Members at the start of each round, how many of them were paused, with joins and leaves "
    "during it."
)
MEMBERS = "members"
JOINS = "joined"
LEAVES = "left"
MATCHED = "matched"

ROUNDS_TITLE = "What groups said, round by round"
ROUNDS_DESC = "Groups per round by their check-in answer: met, scheduled, couldn't, no answer."
OUTCOME_LABELS = {
    "met": "met",
    "scheduled": "scheduled",
    "skipped": "couldn't",
    "no_answer": "no answer",
}

CONNECTIONS_TITLE = "Distinct pairs who have met"
CONNECTIONS_DESC = "Pairs who met at least once, growing round by round (bars: new pairs)."
PAIRS_SO_FAR = "pairs so far"
NEW_PAIRS = "new pairs"

HEATMAP_TITLE = "Meetings between teams"
HEATMAP_DESC = "Pair meetings between the people of two teams; the diagonal is within a team."

NETWORK_TITLE = "Who has met whom"
NETWORK_DESC = "Each dot is a person, each line a pair who met; lines across teams are highlighted."
CROSS_TEAM = "across teams"
SAME_TEAM = "within a team"

GRATITUDE_TITLE = "Thank-you notes per month"
GRATITUDE_DESC = "Notes written each month (private ones are counted, never shown)."
NOTES = "notes"
WALL_TITLE = "Thank-you wall"
WALL_EMPTY = "No public thank-you notes yet."

INTERESTS_TITLE = "Interests"
OFFERS_TITLE = "Skills offered"
WANTS_TITLE = "Skills wanted"
UNMET_TITLE = "Unmet wants"
PEOPLE = "people"
TABLE_FALLBACK = "The figures as a table"
ROUND = "Round"
WALL_TO = "to"
WALL_FROM = "from"


def round_label(number: int) -> str:
    return f"{ROUND} {number}"


def network_sample(shown: int, people: int, pairs: int) -> str:
    """The note under a sampled graph."""
    return (
        f"Showing the {shown:,} people with the most meetings of {people:,} who met anyone "
        f"({pairs:,} pairs in all)."
    )


def network_totals(people: int, pairs: int, cross: int) -> str:
    return f"{people:,} people, {pairs:,} pairs who met, {cross:,} of the lines shown across teams."


def unmet_want(wanted: int, offered: int) -> str:
    """'12 people want to learn it; 2 offer it' (the skill itself is shown beside it)."""
    want = "person wants" if wanted == 1 else "people want"
    offer = (
        "nobody offers it" if offered == 0 else (f"{offered} offer{'s' if offered == 1 else ''} it")
    )
    return f"{wanted} {want} to learn it; {offer}"


PAUSED = "paused"
PAUSED_AT_START = "paused at the round's start"
LEFT_PROGRAM = "left the program"
FORGOTTEN = "asked to be forgotten (workspace)"
MET_RATE = "met rate"
GROUPS = "groups"
CURRENT_ROUND = "Current round"
PAIRS_MET = "distinct pairs who have met"
MEETINGS = "meetings"
CROSS_TEAM_MEETINGS = "meetings across teams"
PEOPLE_SHOWN = "people shown"
LINES_SHOWN = "pairs shown"
PERSON = "Person"
TEAM = "Team"
MONTH = "Month"
PUBLIC_NOTES = "public notes"
NO_UNMET = "Every skill someone wants to learn is offered by enough people."
NO_MEETINGS = "No coffee chats yet."
NO_THANKS_RECEIVED = "No thank-you notes yet."
PRIVATE_NOTE = "private: only you see it"
MEETING_COLUMNS = ("Date", "Channel", "Round", "With", "Said")


# The same people `/coffee stats` counts as quiet members (`wording.care.quiet_members`).
QUIET_MEMBERS = "quiet members (asked if they're still up for chats, or paused after no answer)"


def current_progress(number: int, answered: int, groups: int) -> str:
    return f"{CURRENT_ROUND} ({ROUND.lower()} {number}): {answered} of {groups} groups answered"
