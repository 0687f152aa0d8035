"""The web dashboard's page copy (titles, labels, buttons, explanations). Templates read it as
`w.<key>`; text in backticks shows as code, *this* as bold (the same marks as chat copy).
Figures and chart words are in `bot.wording.insights`; refusals in `bot.wording.dashboard`."""

from __future__ import annotations

__all__ = ["WEB_PAGE", "answer_titles"]

WEB_PAGE: dict[str, str] = {
    # every page
    "nav_programs": "Programs",
    "nav_me": "My page",
    "sign_out": "Sign out",
    "footer": "WarmIntro — informal networks, made visible. Nothing on this page comes from another site.",
    # signing in and out
    "sign_in_title": "Sign in to WarmIntro",
    "sign_in_text": "This one-time link signs you in for 8 hours on this browser.",
    "sign_in_button": "Sign in",
    "signed_out_title": "You're signed out",
    "signed_out_text": "Ask for a new link in your chat with `/coffee dashboard` or `/coffee me`.",
    # the overview
    "overview_title": "Your programs",
    "no_programs": "No programs yet. Add WarmIntro to a channel to start one.",
    "col_program": "Program",
    "col_status": "Status",
    "col_members": "Members",
    "col_paused": "Paused",
    "col_rounds": "Rounds",
    "col_groups": "Groups",
    "col_met": "Said they met",
    "col_pairs": "Pairs met",
    "col_thanks": "Thanks",
    "col_next": "Next round",
    "status_active": "active",
    "status_paused": "paused",
    "none": "—",
    # a program
    "nav_figures": "Figures",
    "nav_settings": "Settings",
    "nav_preview": "Preview next round",
    "nav_start": "Start a round now",
    "nav_csv": "Export CSV",
    "pause_program": "Pause the program",
    "resume_program": "Resume the program",
    "tile_members": "members",
    "tile_paused": "paused",
    "tile_left": "left",
    "tile_quiet": "quiet members",
    "col_quiet": "Quiet members",
    "quiet_hint": "Asked if they're still up for coffee chats and not answered yet, or paused after no answer (as in /coffee stats)",
    "tile_rounds": "rounds",
    "tile_pairs": "pairs have met",
    "show_names": "Show names",
    "anonymise": "Anonymise names",
    # settings
    "settings_title": "Settings of",
    "nothing_saved": "Nothing was saved: fix the settings marked below.",
    "saved": "Saved:",
    "settings_hint": "The same settings as `/coffee config`. thanks-channel: a channel id (empty: this channel). Weights are numbers ≥ 0 (repeat_decay at most 1).",
    "save_settings": "Save settings",
    # start a round
    "start_title": "Start the next round now?",
    "start_text": "Everyone in the program will be matched now and get their introductions. This can't be undone.",
    "start_preview": "Preview the groups first",
    "start_confirm": "Yes, start the round now",
    "start_button": "Start the round",
    # a member's own page
    "me_title": "My page",
    "me_nothing": "WarmIntro keeps nothing about you.",
    "me_hello": "Hi",
    "me_met": "Who you've met",
    "me_no_rounds": "No rounds yet.",
    "me_thanks": "Thanks you received",
    "me_no_thanks": "None yet.",
    "me_profile": "Your profile and settings",
    "me_team": "Team",
    "me_location": "Location",
    "me_timezone": "Time zone",
    "me_interests": "Interests",
    "me_offers": "Can help with",
    "me_wants": "Want to learn",
    "me_paused_until": "Paused until",
    "me_not_paused": "not paused",
    "me_programs": "Programs",
    "me_left": "(left)",
    "me_save": "Save my profile",
    "me_resume": "Resume my chats",
    "me_pause": "Pause my chats",
    "me_skip": "Skip the next round",
    "me_hint": "Topics are separated by commas. In your chat, `/coffee interests …`, `/coffee pause` and `/coffee skip` do the same.",
    "me_data": "Your data",
    "me_download": "Download my data (JSON)",
    "me_forget": "Forget me…",
    # forget me
    "forget_title": "Forget me",
    "forget_text": "This deletes everything WarmIntro knows about you: your profile, your matches, the thanks you wrote. Your current groups are told you left. It can't be undone.",
    "forget_unconfirmed": "Tick the box to confirm.",
    "forget_confirm": "Yes, delete everything about me",
    "forget_button": "Forget me",
    "forgotten_title": "Forgotten",
    # answers to the program's buttons
    "choose_on_off": "Choose on or off.",
}


def answer_titles() -> dict[str, str]:
    """The title of the page that shows what a program's button did."""
    return {
        "preview": "Preview of the next round",
        "start": "Start the next round now",
        "on": "Resume the program",
        "off": "Pause the program",
    }
