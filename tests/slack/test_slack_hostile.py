"""Hostile and malformed input against the running Slack app (real HTTP, the fake Slack).

- Malformed requests get 400 (oversized: 413), never 500 and never a traceback; bad or missing
  signatures stay 401; the signature is checked before anything else.
- A listener that raises after its ack leaves the ack standing and the person hears
  "Something went wrong on our side; nothing was changed." (by response_url, or by DM when
  there is no usable one); the log has the traceback.
- Every string of the shared hostile corpus through commands, buttons and forms: every request
  answered, and nothing sent to Slack carries a broadcast or an unintended mention.
- A fuzz run of ~2,000 generated hostile requests: no 5xx, every request answered.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.slack import guard, render
from bot import wording
from bot.messages import Form, FormField
from bot.text import parse_mention
from tests.hostile import BROADCASTS, MARKUP, SQLISH, UNICODE, slack_pings
from tests.slack.conftest import SECRET, SlackWorld, slow_commands
from tests.slack.fake_slack import TEAM, signed_headers

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
INTENDED = {"U0001", "U0003", "UBOT"}  # the actor, the person thanked, the bot itself


def sign(body: bytes, timestamp: str | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = timestamp if timestamp is not None else str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest()}


async def send(
    sw: SlackWorld, body: bytes, content_type: str | None, headers: dict[str, str]
) -> tuple[int, str]:
    hdrs = dict(headers)
    if content_type is not None:
        hdrs["Content-Type"] = content_type
    async with sw.slack.session.post(sw.url, data=body, headers=hdrs) as response:
        return response.status, await response.text()


def command_body(text: str, user: str = "U0001", **extra: str) -> str:
    fields = {
        "team_id": TEAM,
        "channel_id": "C0001",
        "user_id": user,
        "command": "/coffee",
        "text": text,
        "trigger_id": "trig",
        **extra,
    }
    return urlencode(fields)


def everything_sent(sw: SlackWorld) -> list[Any]:
    """Every payload the app sent to Slack: posts, response_url answers, views."""
    views = [
        c.args.get("view")
        for c in sw.fake.calls
        if c.method in {"views.open", "views.update", "views.publish"}
    ]
    return [*sw.fake.posts, *sw.fake.responses, *views]


async def quiet(sw: SlackWorld, seconds: float = 0.3) -> None:
    """Wait until the app stops calling the fake Slack (background work after acks is done)."""
    seen = -1
    while seen != len(sw.fake.calls) + len(sw.fake.responses):
        seen = len(sw.fake.calls) + len(sw.fake.responses)
        await asyncio.sleep(seconds)


# --- malformed requests -----------------------------------------------------------------------


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def event(event: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({"type": "event_callback", "team_id": TEAM, "event": event, **extra}).encode()


USER = {"id": "U0001"}
MALFORMED: list[tuple[str, bytes, str | None, int]] = [
    ("payload is not JSON", b"payload=%7Bnot+json", FORM, 400),
    ("payload is a JSON list", b"payload=%5B1%2C2%5D", FORM, 400),
    ("payload is JSON null", b"payload=null", FORM, 400),
    ("invalid UTF-8", b"text=\xff\xfe\xfd&command=/coffee", FORM, 400),
    ("form body sent as JSON", command_body("join").encode(), JSON, 400),
    ("JSON body that isn't JSON", b'{"type": "event_callback", ', JSON, 400),
    ("JSON string body", b'"just a string"', JSON, 400),
    ("empty body", b"", FORM, 400),
    ("deeply nested JSON", b"[" * 100_000 + b"]" * 100_000, JSON, 400),
    ("huge integer", b'{"type": ' + b"9" * 5000 + b"}", JSON, 400),
    (
        "command without user",
        urlencode({"command": "/coffee", "team_id": TEAM}).encode(),
        FORM,
        400,
    ),
    ("block_actions without actions", form({"type": "block_actions", "user": USER}), FORM, 400),
    (
        "block_actions with a non-object action",
        form({"type": "block_actions", "user": USER, "trigger_id": "t", "actions": ["x"]}),
        FORM,
        400,
    ),
    (
        "view_submission, view a string",
        form({"type": "view_submission", "user": USER, "view": "x"}),
        FORM,
        400,
    ),
    (
        "view_submission, state values a list",
        form({"type": "view_submission", "user": USER, "view": {"state": {"values": []}}}),
        FORM,
        400,
    ),
    ("event without event", json.dumps({"type": "event_callback"}).encode(), JSON, 400),
    (
        "member_joined_channel without user",
        event({"type": "member_joined_channel", "channel": "C0001"}),
        JSON,
        400,
    ),
    (
        "user id that can't be an id",
        command_body("join", user="U0001\x00<!channel>").encode(),
        FORM,
        400,
    ),
    ("user as a list", event({"type": "x"}, user=[1]), JSON, 400),
    ("url_verification without challenge", b'{"type": "url_verification"}', JSON, 400),
]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
async def test_malformed_signed_requests_get_400(
    sw: SlackWorld, body: bytes, content_type: str | None, expected: int
) -> None:
    status, text = await send(sw, body, content_type, sign(body))
    assert status == expected, text
    assert "Traceback" not in text and "File " not in text
    await quiet(sw, 0.05)
    assert [c.method for c in sw.fake.calls if c.method != "auth.test"] == []  # nothing happened
    assert sw.fake.responses == []


async def test_timestamps_and_signatures(sw: SlackWorld) -> None:
    body = command_body("join").encode()
    good = sign(body)
    cases = [
        ({**good, "X-Slack-Request-Timestamp": "soon"}, 400),
        ({**good, "X-Slack-Request-Timestamp": "1.5e9"}, 400),
        ({**good, "X-Slack-Request-Timestamp": "-1"}, 400),
        ({**good, "X-Slack-Request-Timestamp": "9" * 40}, 400),
        ({"X-Slack-Signature": good["X-Slack-Signature"]}, 400),  # no timestamp
        ({"X-Slack-Request-Timestamp": good["X-Slack-Request-Timestamp"]}, 401),  # no signature
        ({}, 401),
        ({**good, "X-Slack-Signature": "v0=" + "0" * 64}, 401),
        ({**good, "X-Slack-Signature": "\u00e9\u00e9"}, 401),
        (sign(body, secret="wrong"), 401),
        (sign(body, str(int(time.time()) - 3600)), 401),
        (sign(b"\xff\xfe" + body), 401),  # signed over other bytes
    ]
    for headers, expected in cases:
        status, text = await send(sw, body, FORM, headers)
        assert status == expected, (headers, status, text)
        assert "Traceback" not in text
    # A bad signature is refused before the body is even read as text.
    status, _ = await send(sw, b"\xff\xfe", FORM, sign(b"\xfe\xff"))
    assert status == 401
    assert sw.fake.calls == [] and sw.fake.responses == []


async def test_oversized_body_is_refused(sw: SlackWorld) -> None:
    body = command_body("interests " + "x" * 2_000_000).encode()
    status, text = await send(sw, body, FORM, sign(body))
    assert status in {400, 413} and "Traceback" not in text
    assert sw.fake.responses == []


# --- listener exceptions after the ack --------------------------------------------------------


async def test_a_listener_that_raises_after_its_ack_still_answers(
    sw: SlackWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await sw.add_bot_to()

    async def broken(*_args: Any) -> Any:
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(sw.warm, "run", broken)  # what `/coffee status` calls after parsing
    monkeypatch.setattr(sw.warm, "action", broken)
    with caplog.at_level(logging.ERROR):
        tag = await sw.slack.command("/coffee", "status", "U0002")  # asserts HTTP 200
        reply = await sw.slack.reply(tag)
    assert reply["text"] == wording.SOMETHING_WENT_WRONG and reply["response_type"] == "ephemeral"
    failures = [
        r for r in caplog.records if r.getMessage().startswith(("Slack listener", "Slack command"))
    ]
    assert (
        failures and failures[0].exc_info and "database fell over" in str(failures[0].exc_info[1])
    )

    # A button pressed in App Home has no response_url: the person gets a DM instead.
    before = len(sw.fake.posts_to("U0002"))
    await sw.slack.action("U0002", "checkin:1:met", view={"type": "home", "id": "VH"})
    dms = await sw.fake.wait_for(lambda: sw.fake.posts_to("U0002")[before:])
    assert dms[0]["text"] == wording.SOMETHING_WENT_WRONG


@pytest.mark.parametrize(
    "response_url",
    ["", "javascript:alert(1)", "ftp://files.example/x", "not a url", "http://", "http://[::1",
     "https://user:pw@hooks.example/x", "http://h\x00st/x", "https://x.example:99999/"],
)  # fmt: skip
async def test_missing_or_invalid_response_url_falls_back_to_a_dm(
    sw: SlackWorld, monkeypatch: pytest.MonkeyPatch, response_url: str
) -> None:
    """A reply ready in time is the HTTP answer itself; one that comes later (after the ack
    went out empty) goes by DM when the response_url is unusable, a failure too."""
    await sw.add_bot_to()
    assert not guard.response_url_ok(response_url)
    before = len(sw.fake.posts_to("U0002"))
    body = command_body("status", user="U0002", response_url=response_url)
    status, answer = await sw.slack.post(body, FORM)
    assert status == 200 and "Colleagues met so far" in json.loads(answer)["text"]

    slow_commands(sw, monkeypatch)
    status, answer = await sw.slack.post(body, FORM)
    assert status == 200 and answer == ""
    dms = await sw.fake.wait_for(lambda: sw.fake.posts_to("U0002")[before:])
    assert "Colleagues met so far" in dms[0]["text"]

    slow_commands(sw, monkeypatch, fail=True)
    status, answer = await sw.slack.post(body, FORM)
    assert status == 200 and answer == ""
    failed = await sw.fake.wait_for(
        lambda: [p for p in sw.fake.posts_to("U0002") if p["text"] == wording.SOMETHING_WENT_WRONG]
    )
    assert failed and sw.fake.responses == []


def test_response_urls_are_validated() -> None:
    assert guard.response_url_ok("https://hooks.slack.com/commands/T1/2/abc")
    assert guard.response_url_ok("http://127.0.0.1:8080/response/r1")
    for bad in (None, 42, "", "mailto:a@b", "file:///etc/passwd", "//hooks.example/x",
                "https://hooks.example/a b", "https://" + "a" * 3000, "https:///path"):  # fmt: skip
        assert not guard.response_url_ok(bad), bad


async def test_overflowing_button_and_nul_text_get_clear_answers(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    tag = await sw.slack.action("U0002", "checkin:99999999999999999999:met", channel="C0001")
    assert "That button has expired" in (await sw.slack.reply(tag))["text"]
    reply = await sw.slack.reply(await sw.slack.command("/thanks", "<@U0003> a\x00b", "U0001"))
    assert "control characters" in reply["text"]


@pytest.mark.postgres
async def test_nul_and_overflow_on_postgres(pg_db: Any, fake_slack: Any) -> None:
    from tests.slack.conftest import start_world

    world, runner = await start_world(pg_db, fake_slack)
    try:
        await world.add_bot_to()
        overflow = "checkin:99999999999999999999:met"
        tag = await world.slack.action("U0002", overflow, channel="C0001")
        assert "expired" in (await world.slack.reply(tag))["text"]
        await world.slack.action("U0002", "thanks:start:2147483648", channel="C0001")
        updated = await world.fake.wait_for(lambda: world.fake.called("views.update"))
        assert "expired" in json.dumps(updated[0].args["view"])  # in the dialog it opened
        for command, text in (("/thanks", "<@U0003> a\x00b"), ("/coffee", "team \x00")):
            reply = await world.slack.reply(await world.slack.command(command, text, "U0001"))
            assert "control characters" in reply["text"]
    finally:
        await world.slack.close()
        await runner.cleanup()  # type: ignore[attr-defined]


# --- the hostile corpus through commands, buttons and forms -----------------------------------

COFFEE = ("{h}", "help {h}", "timezone {h}", "team {h}", "interests {h}", "config {h}",
          "config purpose {h}", "config timezone {h}", "pause {h}")  # fmt: skip


def thanks_view(group: str) -> dict[str, Any]:
    fields = (
        FormField("recipients", "Who?", "users"),
        FormField("message", "What?", "text", None, 2000),
        FormField("private", "Private", "checkbox", False),
    )
    return render.modal(Form(f"thanks:{group}", "Send thanks", fields), "C0001")


def profile_view() -> dict[str, Any]:
    fields = tuple(FormField(n, n) for n in ("interests", "offers", "wants", "team"))
    return render.modal(Form("profile", "Profile", fields), "")


def text_value(text: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": text}}


@pytest.mark.parametrize(
    "strings",
    [BROADCASTS, MARKUP, UNICODE + SQLISH + ("x" * 5000, "nul\x00", "\ud800", "9" * 30)],
    ids=["broadcasts", "markup", "unicode-sql-sizes"],
)
async def test_hostile_corpus_through_every_command_button_and_form(
    sw: SlackWorld, strings: tuple[str, ...]
) -> None:
    await sw.add_bot_to()
    thanks, profile = thanks_view("1"), profile_view()
    unanswered = []
    for h in strings:
        tags = []
        if h.encode("utf-8", "surrogatepass").decode("utf-8", "replace") == h:
            # (a lone surrogate can't travel in a form body, only escaped inside JSON payloads)
            tags += [await sw.slack.command("/coffee", t.format(h=h), "U0001") for t in COFFEE]
            tags.append(await sw.slack.command("/thanks", f"<@U0003> note: {h}", "U0001"))
            if parse_mention(h.split()[0] if h.split() else h) is None:  # else a real recipient
                tags.append(await sw.slack.command("/thanks", f"{h} thanks!", "U0001"))
        for action in (h, f"checkin:{h}:met", f"checkin:1:{h}", f"interview:skip:{h}"):
            tags.append(await sw.slack.action("U0001", action, channel="C0001"))
        for tag in tags:
            try:
                await sw.fake.wait_for(
                    lambda tag=tag: any(r["tag"] == tag for r in sw.fake.responses), 10
                )
            except AssertionError:
                unanswered.append((h[:30], tag))
        forms = [
            (thanks, {"recipients": {"value": {"type": "multi_users_select",
                                               "selected_users": ["U0003"]}},
                      "message": text_value(h), "private": {"value": {"selected_options": []}}}),
            (thanks, {"recipients": {"value": {"type": "multi_users_select",
                                               "selected_users": [h[:100]]}},
                      "message": text_value("hi"), "private": {"value": {"selected_options": []}}}),
            (profile, {name: text_value(h) for name in ("interests", "offers", "wants", "team")}),
        ]  # fmt: skip
        for view, values in forms:
            status, text = await sw.slack.submit("U0001", view, values)
            assert status == 200 and "Traceback" not in text, (h[:30], status, text)
    await quiet(sw)
    assert not unanswered, unanswered[:10]
    pings = [(p, slack_pings(p, INTENDED)) for p in everything_sent(sw)]
    assert not [bad for _, bad in pings if bad], [(str(p)[:200], b) for p, b in pings if b][:5]
    # Every form submit was answered by DM (the core's reply or its refusal).
    dms = list(sw.fake.posts_to("U0001"))
    assert len(dms) >= 3 * len(strings)


# --- fuzz: ~2,000 generated hostile requests --------------------------------------------------

HOSTILE_TEXT = (*BROADCASTS, *MARKUP, *SQLISH, "\x00", "\ud800", "é" * 300, "", " ", "%", "&")


def _junk(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value of any shape."""
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        return rng.choice(
            [None, True, 0, -1, 2**70, 1.5, "", rng.choice(HOSTILE_TEXT), "U0001", "C0001", []]
        )
    if roll < 0.6:
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = [
        "type",
        "user",
        "team",
        "channel",
        "actions",
        "view",
        "event",
        "state",
        "values",
        "action_id",
        "id",
        "text",
    ]
    return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def _payload(rng: random.Random, fake_response_url: str) -> dict[str, Any]:
    """A block_actions / view_submission / event that is almost right, with hostile parts."""
    kind = rng.choice(["block_actions", "view_submission", "event_callback", "shortcut", "x"])
    user = rng.choice(["U0001", "U0002", rng.choice(HOSTILE_TEXT), {"id": "U0003"}, None])
    body: dict[str, Any] = {"type": kind, "team": {"id": TEAM}, "api_app_id": "A0001"}
    if kind == "block_actions":
        action = rng.choice(
            [rng.choice(HOSTILE_TEXT), f"checkin:{rng.choice(['1', '9' * 25, '-3', 'x'])}:met",
             "thanks:start:" + rng.choice(["1", "99999999999999999999", "<!here>"]),
             "profile:edit", "program:join", "interview:skip:" + rng.choice(HOSTILE_TEXT)]
        )  # fmt: skip
        body.update(
            user={"id": user} if isinstance(user, str) else user,
            trigger_id=rng.choice(["t", None, 5]),
            actions=rng.choice([[{"action_id": action, "value": action}], [], [action], None]),
            response_url=rng.choice([fake_response_url, "javascript:x", "", None, 7]),
            channel=rng.choice([{"id": "C0001"}, {"id": rng.choice(HOSTILE_TEXT)}, "C0001"]),
        )
    elif kind == "view_submission":
        field = rng.choice(["message", "recipients", "interests", "team"])
        value = rng.choice([{"value": rng.choice(HOSTILE_TEXT)}, _junk(rng)])
        body.update(
            user={"id": "U0001"},
            view=rng.choice([
                {"callback_id": rng.choice(["profile", "thanks:1", "thanks:99999999999999999999",
                                            rng.choice(HOSTILE_TEXT)]),
                 "blocks": rng.choice([[{"type": "input", "block_id": field, "element": {}}],
                                       _junk(rng)]),
                 "state": {"values": {field: {"value": value}}}},
                _junk(rng),
            ]),
        )  # fmt: skip
    else:
        body.update(
            team_id=TEAM,
            event=rng.choice([
                {"type": rng.choice(["member_joined_channel", "member_left_channel",
                                     "channel_left", "message", "app_home_opened",
                                     "user_change", "tokens_revoked", "app_uninstalled"]),
                 "channel": rng.choice(["C0999", rng.choice(HOSTILE_TEXT), None, ["x"]]),
                 "user": rng.choice(["U0004", rng.choice(HOSTILE_TEXT), {"id": "U0004"}, 3]),
                 "channel_type": "im", "text": rng.choice(HOSTILE_TEXT),
                 "tokens": rng.choice([{"bot": ["x"]}, "x"])},
                _junk(rng),
            ]),
        )  # fmt: skip
    if rng.random() < 0.3:
        body[rng.choice(list(body))] = _junk(rng)
    return body


def _request(
    rng: random.Random, fake: Any, n: int
) -> tuple[bytes, str | None, dict[str, str], str | None]:
    """One generated request: body bytes, content type, headers, and the response_url tag a
    complete slash command must be answered on."""
    roll = rng.random()
    tag = f"fz{n}"
    if roll < 0.4:  # a slash command, signed, with hostile text or hostile fields
        fields = {
            "team_id": rng.choice([TEAM] * 10 + ["", rng.choice(HOSTILE_TEXT)]),
            "channel_id": rng.choice(["C0001"] * 8 + ["DU0001", "", rng.choice(HOSTILE_TEXT)]),
            "user_id": rng.choice(["U0001", "U0002", "U0003"] * 3 + [rng.choice(HOSTILE_TEXT)]),
            "command": rng.choice(["/coffee", "/thanks", "/other", ""]),
            "text": rng.choice([*HOSTILE_TEXT, "help", "status", "<@U0003> thanks " * 3]),
            "response_url": rng.choice([fake.response_url(tag)] * 3 + ["ftp://x", "", "x"]),
            "trigger_id": "t",
        }
        if rng.random() < 0.2:
            for key in rng.sample(list(fields), rng.randint(1, 2)):
                del fields[key]
        body = urlencode(fields, errors="surrogatepass").encode()  # lone surrogates: bad UTF-8
        content_type = rng.choice([FORM] * 8 + [JSON, None, "text/plain"])
        complete = (
            fields.get("command") in {"/coffee", "/thanks"}
            and fields.get("response_url") == fake.response_url(tag)
            and all(fields.get(k) for k in ("team_id", "user_id", "channel_id"))
        )
        return body, content_type, sign(body), tag if complete else None
    elif roll < 0.6:  # an interactive payload or an event, signed, almost right
        payload = _payload(rng, fake.response_url(tag))
        if payload["type"] == "event_callback":
            body, content_type = json.dumps(payload).encode(), rng.choice([JSON, JSON, FORM])
        else:
            body, content_type = urlencode({"payload": json.dumps(payload)}).encode(), FORM
    elif roll < 0.75:  # signed garbage: random bytes, broken JSON, broken forms
        body = rng.choice([
            rng.randbytes(rng.randint(0, 300)),
            b"payload=" + rng.randbytes(rng.randint(1, 50)),
            b"payload=" + json.dumps(_junk(rng)).encode(),
            json.dumps(_junk(rng)).encode(),
            b"{" + rng.randbytes(20),
            ("text=" + rng.choice(HOSTILE_TEXT)).encode("utf-8", "surrogatepass"),
        ])  # fmt: skip
        content_type = rng.choice([FORM, JSON, None, "multipart/form-data", "application/json; x"])
    else:  # unsigned, wrongly signed or with broken headers
        body = rng.choice([command_body("join").encode(), rng.randbytes(40), b""])
        content_type = rng.choice([FORM, JSON])
        good = sign(body)
        headers = rng.choice([
            {},
            {**good, "X-Slack-Signature": "v0=" + rng.randbytes(32).hex()},
            {**good, "X-Slack-Request-Timestamp": rng.choice(["", "abc", "1e10", "١٢٣", "-5"])},
            {"X-Slack-Signature": good["X-Slack-Signature"]},
            {**good, "X-Slack-Signature": rng.choice(HOSTILE_TEXT[:8])},
        ])  # fmt: skip
        return body, content_type, headers, None
    return body, content_type, sign(body), None


async def test_fuzz_two_thousand_hostile_requests(
    sw: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await sw.add_bot_to()
    rng = random.Random(8)
    statuses: dict[int, int] = {}
    bad = []
    expected: list[str] = []  # complete commands that got their 200: each must be answered
    with caplog.at_level(logging.ERROR):
        for n in range(2000):
            body, content_type, headers, tag = _request(rng, sw.fake, n)
            status, text = await send(sw, body, content_type, headers)
            statuses[status] = statuses.get(status, 0) + 1
            if tag is not None and status == 200:
                expected.append(tag)
                sw.slack.record_ack(tag, text)  # a reply ready in time is the answer itself
            if status >= 500 or "Traceback" in text or status not in {200, 400, 401, 404, 413}:
                bad.append((status, body[:120], text[:200]))
        await quiet(sw)
    assert not bad, bad[:5]
    assert sum(statuses.values()) == 2000
    assert statuses.get(200, 0) > 200 and statuses.get(400, 0) > 200 and statuses.get(401, 0) > 100
    # Every well-formed command was answered: in its ack or on its response_url.
    answered = {r["tag"] for r in sw.fake.responses}
    assert len(expected) > 50 and set(expected) <= answered, set(expected) - answered
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not crashes, [r.getMessage() for r in crashes[:3]]
    pings = [bad for p in everything_sent(sw) if (bad := slack_pings(p, INTENDED | {"U0002"}))]
    assert not pings, pings[:5]


def test_signing_matches_the_fake_slack_client() -> None:
    body = "a=b"
    ours = sign(body.encode(), "1700000000")
    assert ours == signed_headers(SECRET, body, 1700000000)
