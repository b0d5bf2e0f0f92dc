"""The outgoing Telegram channel: what the debtor's chat shows, and what each Bot API refusal means."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest

from bot.delivery_errors import ChannelDown, PermanentFailure, TemporaryFailure, UnknownOutcome
from bot.telegram_channel import RateLimited, TelegramChannel, quiet_http_logs, split_text
from tests.telegram_fakes import (
    BLOCKED,
    CHAT_NOT_FOUND,
    CONNECT_TIMEOUT,
    DEACTIVATED,
    READ_TIMEOUT,
    TOKEN,
    ApiError,
    BotApiServer,
    ChatMessage,
    FakeBotApi,
    api,  # noqa: F401 (fixture)
    flood,
)

DEBTOR = 4242
REMINDER = "Bonjour,\nla facture F-2026-001 (1 250,50 €) reste impayée.\nMerci de régulariser."
CHOICES = [[("Je paie", "pay:1"), ("Échéancier", "plan:1")], [("Je conteste", "dispute:1")]]


@pytest.fixture
async def channel(api: FakeBotApi) -> AsyncIterator[TelegramChannel]:
    async with TelegramChannel(TOKEN, request=api) as channel:
        yield channel


@pytest.fixture
def log_levels() -> Iterator[None]:
    """quiet_http_logs changes process-wide loggers: put them back for the other tests."""
    loggers = [logging.getLogger(name) for name in ("httpx", "telegram.Bot")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels):
        logger.setLevel(level)


async def test_a_reminder_shows_in_the_debtors_chat_as_plain_text_with_markup_characters_literal(channel, api):
    text = "Réf. *bold* <b>x</b> [link](http://x) _it_ `code` &amp;"

    message_id = await channel.send(DEBTOR, text)

    assert api.chat(DEBTOR) == [ChatMessage(message_id, from_bot=True, text=text, parse_mode=None)]


async def test_the_buttons_arrive_under_the_message_in_their_rows(channel, api):
    await channel.send(DEBTOR, REMINDER, buttons=CHOICES)

    assert api.chat(DEBTOR)[0].buttons == (
        (("Je paie", "pay:1"), ("Échéancier", "plan:1")),
        (("Je conteste", "dispute:1"),),
    )


async def test_a_5000_character_text_arrives_as_two_messages_cut_between_lines_with_the_buttons_on_the_last(
        channel, api):
    text = "\n".join(f"F-{i:04d}  échue le 15/12/2026  " + "." * 25 for i in range(100))
    assert len(text) >= 5000

    first_id = await channel.send(DEBTOR, text, buttons=CHOICES)

    shown = api.chat(DEBTOR)
    assert [len(m.text) <= 4096 for m in shown] == [True, True]
    assert "\n".join(m.text for m in shown) == text
    assert first_id == shown[0].message_id
    assert (shown[0].buttons, len(shown[1].buttons)) == ((), 2)


def test_a_line_longer_than_a_message_is_cut_inside_the_line():
    assert split_text("ab\n" + "x" * 10 + "\ncd", limit=4) == ["ab", "xxxx", "xxxx", "xx", "cd"]


async def test_callback_data_over_64_bytes_is_refused_before_anything_is_sent(channel, api):
    with pytest.raises(ValueError, match="64 bytes"):
        await channel.send(DEBTOR, REMINDER, buttons=[[("Payer", "p" * 65)]])

    assert api.calls("sendMessage") == []


async def test_a_bot_blocked_by_the_debtor_is_a_permanent_failure(channel, api):
    api.fail_next(DEBTOR, BLOCKED)

    with pytest.raises(PermanentFailure) as failure:
        await channel.send(DEBTOR, REMINDER)

    assert (failure.value.code, failure.value.reason) == (403, "Forbidden: bot was blocked by the user")
    assert api.chat(DEBTOR) == []


@pytest.mark.parametrize("refusal", [
    pytest.param(CHAT_NOT_FOUND, id="chat-not-found"),
    pytest.param(DEACTIVATED, id="user-deactivated"),
    pytest.param(ApiError(400, "Bad Request: not enough rights to send text messages to the chat"), id="no-rights"),
])
async def test_a_chat_that_cannot_receive_the_message_is_a_permanent_failure(channel, api, refusal):
    api.fail_next(DEBTOR, refusal)

    with pytest.raises(PermanentFailure) as failure:
        await channel.send(DEBTOR, REMINDER)

    assert failure.value.code == refusal.error_code


# PTB itself reads the deprecated int form of `retry_after` while it builds the RetryAfter.
@pytest.mark.filterwarnings("ignore:.*retry_after:telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_is_a_temporary_failure_carrying_the_delay(channel, api):
    api.fail_next(DEBTOR, flood(retry_after=3))

    with pytest.raises(RateLimited) as failure:
        await channel.send(DEBTOR, REMINDER)

    assert isinstance(failure.value, TemporaryFailure)
    assert failure.value.retry_after == timedelta(seconds=3)


async def test_a_timeout_before_telegram_got_the_message_is_a_temporary_failure(channel, api):
    api.fail_next(DEBTOR, CONNECT_TIMEOUT)

    with pytest.raises(TemporaryFailure):
        await channel.send(DEBTOR, REMINDER)

    assert api.chat(DEBTOR) == []


async def test_a_timeout_after_telegram_got_the_message_is_an_unknown_outcome_not_to_resend(channel, api):
    api.fail_next(DEBTOR, READ_TIMEOUT)

    with pytest.raises(UnknownOutcome):
        await channel.send(DEBTOR, REMINDER)

    assert api.texts(DEBTOR) == [REMINDER]


async def test_a_refused_token_takes_the_channel_down_without_showing_the_token(api):
    wrong = "987654321:WRONG-token-that-must-not-leak"

    with pytest.raises(ChannelDown) as down:
        async with TelegramChannel(wrong, request=api):
            pass

    assert "fix [telegram] token" in down.value.reason
    assert wrong not in str(down.value) and down.value.__cause__ is None and down.value.__suppress_context__


def test_a_missing_token_takes_the_channel_down():
    with pytest.raises(ChannelDown, match=r"set \[telegram\] token"):
        TelegramChannel("")


async def test_the_channel_opens_again_after_closing_as_each_dispatch_opens_it(api):
    channel = TelegramChannel(TOKEN, request=api)
    for text in ("premier", "second"):
        async with channel:
            await channel.send(DEBTOR, text)

    assert api.texts(DEBTOR) == ["premier", "second"]
    assert [c.method for c in api.calls()] == ["getMe", "sendMessage", "getMe", "sendMessage"]


async def test_the_log_names_the_chat_and_message_but_never_the_text(channel, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.telegram")

    message_id = await channel.send(DEBTOR, REMINDER)

    lines = [r.getMessage() for r in caplog.records if r.name == "bot.telegram"]
    assert lines == [f"sent chat={DEBTOR} message={message_id} parts=1"]


async def test_a_reminder_goes_over_http_to_a_self_hosted_bot_api_server_through_base_url():
    with BotApiServer() as server:
        async with TelegramChannel(TOKEN, base_url=server.base_url) as channel:
            message_id = await channel.send(DEBTOR, REMINDER + "\n*1 250,50 €* <b>", buttons=CHOICES)
            server.api.fail_next(DEBTOR, BLOCKED)
            with pytest.raises(PermanentFailure, match="blocked"):
                await channel.send(DEBTOR, REMINDER)

    [shown] = server.api.chat(DEBTOR)
    assert (shown.message_id, shown.text, shown.parse_mode) == (message_id, REMINDER + "\n*1 250,50 €* <b>", None)
    assert shown.buttons[1] == (("Je conteste", "dispute:1"),)


async def test_after_quiet_http_logs_no_log_line_carries_the_token(caplog, log_levels):
    caplog.set_level(logging.DEBUG)

    quiet_http_logs()
    with BotApiServer() as server:
        async with TelegramChannel(TOKEN, base_url=server.base_url) as channel:
            await channel.send(DEBTOR, REMINDER)

    assert logging.getLogger("httpx").level == logging.WARNING
    assert not [r for r in caplog.records if TOKEN in r.getMessage() or REMINDER in r.getMessage()]
