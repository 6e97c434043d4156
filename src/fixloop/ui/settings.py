"""`UISettings`: how `fixloop ui` runs. `fixloop ui`'s flags map onto these fields."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, model_validator

LOOPBACK_NAMES = ("localhost",)
"""Host names that only this machine can reach, besides loopback addresses."""


class UISettings(BaseModel):
    """Every field has a documented default; the CLI sets them from flags.

    Binding to an interface other machines can reach without a token is refused: the store
    holds every trajectory, and the dashboard would show it to the whole network.
    """

    model_config = ConfigDict(extra="forbid")

    db: str | None = Field(default=None, description="Store URL (FIXLOOP_DB, else .fixloop/fixloop.db).")
    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=8050, ge=0, le=65535, description="Port to listen on (0: any free port).")
    token: str | None = Field(
        default=None,
        min_length=16,
        pattern=r"^[A-Za-z0-9._~+/=-]+$",
        description="A secret every request must carry (header, ?token= or the cookie the first "
        "visit sets), of at least 16 letters, digits or ._~+/=- characters; required to listen "
        "anywhere but on loopback.",
    )
    poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the live stream asks the store whether a run changed."
    )

    @model_validator(mode="after")
    def _token_off_loopback(self) -> UISettings:
        if self.token is None and not is_loopback(self.host):
            raise ValueError(
                f"listening on {self.host} lets other machines read the store; give --token "
                "(16 characters or more; `python -c 'import secrets; print(secrets.token_urlsafe())'` "
                "makes one) or listen on 127.0.0.1"
            )
        return self


def is_loopback(host: str) -> bool:
    """Whether `host` is an address or name only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
