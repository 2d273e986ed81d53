"""What the sandbox platform holds before the first request: organisations, keys, users, campaigns.

Secrets are random per run unless given, so no secret is ever written in code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, fields

MIN_SECRET_LENGTH = 8
_SECRET_FIELDS = ("apikey", "other_apikey", "account_password", "agent_password", "disabled_agent_password")


def random_secret() -> str:
    """Return a fresh 24-character hex secret."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class SandboxSeed:
    """The demo organisation and everything a test or a DAG needs to log in.

    The second organisation exists so that a valid service key of another organisation can be
    sent with this organisation's API key (Jodo 1243) and so that a campaign id of another
    organisation can be sent to importCJI (BackMsg_73). Secret fields are kept out of `repr`.
    """

    orgidentity: str = "demo"
    apikey: str = field(default_factory=random_secret, repr=False)
    servicekey: str = "VoiceProcess"
    jodo_userlogin: str = "agent.smith"
    account_user: str = "admin"
    account_password: str = field(default_factory=random_secret, repr=False)
    agent_number: str = "8001"
    agent_password: str = field(default_factory=random_secret, repr=False)
    disabled_agent_number: str = "8002"
    disabled_agent_password: str = field(default_factory=random_secret, repr=False)
    own_table_campaign_id: int = 1
    main_table_campaign_ids: tuple[int, ...] = (2, 3)
    other_orgidentity: str = "other"
    other_apikey: str = field(default_factory=random_secret, repr=False)
    other_servicekey: str = "OtherProcess"
    other_campaign_id: int = 4

    def __post_init__(self) -> None:
        """Refuse short secrets, empty values and campaign ids used twice, naming the field."""
        for name in _SECRET_FIELDS:
            if len(getattr(self, name)) < MIN_SECRET_LENGTH:
                raise ValueError(f"{name} must be at least {MIN_SECRET_LENGTH} characters")
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, str) and not value:
                raise ValueError(f"{item.name} must not be empty")
        campaign_ids = (self.own_table_campaign_id, *self.main_table_campaign_ids, self.other_campaign_id)
        if len(set(campaign_ids)) != len(campaign_ids):
            raise ValueError(f"campaign ids must be distinct, got {campaign_ids}")

    @staticmethod
    def package_of(campaign_id: int) -> str:
        """Return the package of a campaign on the main customer table.

        Its customers are the main table's customers assigned to this package.
        """
        return f"package-{campaign_id}"
