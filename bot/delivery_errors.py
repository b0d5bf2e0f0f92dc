"""What a failed delivery tells the dispatcher to do next; shared by the email and Telegram channels."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message was not known to be delivered.

    `code` is the server's reply code when it gave one (SMTP 4yz/5yz, a Bot API error code);
    `reason` is its text, or what went wrong on the way. Neither ever holds a secret.
    """

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(f"{code} {reason}" if code is not None else reason)
        self.reason = reason
        self.code = code


class TemporaryFailure(DeliveryError):
    """Not delivered; the same message may go through later: retry with backoff."""


class ChannelDown(TemporaryFailure):
    """Not delivered, and nothing will be on this channel until a person fixes it (credentials, TLS,
    sender address): keep the message, stop the batch, alert the owner."""


class PermanentFailure(DeliveryError):
    """Not delivered, and never will be to this recipient on this channel: stop trying it here."""


class UnknownOutcome(DeliveryError):
    """The whole message was handed over but no answer came, so the server may have taken it
    (the duplicate-message window of RFC 1047): never resend automatically; count it as sent and
    tell the owner."""
