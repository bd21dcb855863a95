"""The connector's config, built field by field: `ConfigBuilder().with_api_key().with_start_date(...).build()`."""

from __future__ import annotations

import copy
from typing import Any, Dict

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "unit-test-auth-token-5f1c9e"
API_KEY_SID = "SK" + "fedcba9876543210" * 2
API_KEY_SECRET = "unit-test-api-key-secret-a1b2"
BASE_URL = "https://api.twilio.com"
INSIGHTS_URL = "https://insights.twilio.com"
START_DATE = "2024-01-01T00:00:00Z"


class ConfigBuilder:
    def __init__(self) -> None:
        self._config: Dict[str, Any] = {
            "account_sid": ACCOUNT_SID,
            "credentials": {"auth_type": "auth_token", "auth_token": AUTH_TOKEN},
            "start_date": START_DATE,
            "base_url": BASE_URL,
            "insights_base_url": INSIGHTS_URL,
            # One worker: windows of 30 days (or one window for a shorter range), which the tests spell out; with more
            # workers the windows are shorter, so that a backfill keeps each busy (test_conferences.TestWindows).
            "num_workers": 1,
        }

    def with_legacy_auth_token(self) -> "ConfigBuilder":
        """The shape of Airbyte's own Twilio connector: the token at the top level."""
        self._config.pop("credentials", None)
        self._config["auth_token"] = AUTH_TOKEN
        return self

    def with_api_key(self, sid: str = API_KEY_SID, secret: str = API_KEY_SECRET) -> "ConfigBuilder":
        self._config["credentials"] = {"auth_type": "api_key", "api_key_sid": sid, "api_key_secret": secret}
        return self

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        self._config["start_date"] = start_date
        return self

    def with_lookback_window(self, minutes: int) -> "ConfigBuilder":
        self._config["lookback_window"] = minutes
        return self

    def with_num_workers(self, workers: int) -> "ConfigBuilder":
        self._config["num_workers"] = workers
        return self

    def with_base_url(self, base_url: str) -> "ConfigBuilder":
        self._config["base_url"] = base_url
        return self

    def with_field(self, key: str, value: Any) -> "ConfigBuilder":
        self._config[key] = value
        return self

    def without(self, key: str) -> "ConfigBuilder":
        self._config.pop(key, None)
        return self

    def build(self) -> Dict[str, Any]:
        return copy.deepcopy(self._config)
