"""The bad-config table: each mistake in a config, and the words of the error that must name it.

One table for both layers: unit_tests/test_spec.py reads each case in-process (HttpMocker, no request may be made), and
checks those marked `end_to_end`; integration_tests/test_bad_input.py runs those through the installed `source-twilio`
(`check` and `read`) against the fake Twilio. Each case
changes a valid config in place (`case.apply(config)`), whichever config the layer starts from.

Value rules are the manifest's `config_normalization_rules.validations` (ConfigRule: a plain sentence that names the
field); missing fields, wrong types and unknown enum values are refused first by the CDK's own check of the config
against the spec ("Config validation error: ...", secrets masked as ****), whose words name no field for some
mistakes: those cases carry `should_name`, the field a message should name (a known limitation, README's Config).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Tuple

_REMOVE = object()


@dataclass(frozen=True)
class BadConfig:
    case: str
    path: Tuple[str, ...]  # the key that changes, under the top level of the config
    value: Any  # its new value, or _REMOVE
    message: str  # words the error message holds
    end_to_end: bool = False  # one case of each kind: also through `check`, and through the installed command
    should_name: str = ""  # the field the message does not name today (the CDK's schema check answers first)

    def apply(self, config: dict) -> dict:
        node = config
        for key in self.path[:-1]:
            node = node[key]
        if self.value is _REMOVE:
            node.pop(self.path[-1], None)
        else:
            node[self.path[-1]] = self.value
        return config


def _api_key(sid: str = "SK" + "fedcba9876543210" * 2, secret: str = "bad-config-api-key-secret-77") -> dict:
    return {"auth_type": "api_key", "api_key_sid": sid, "api_key_secret": secret}


_URL_RULE = "must be http(s)://host[:port][/path] without a trailing slash"
_DATE_RULE = "'start_date' must be a real UTC date and time"
_WORKERS_RULE = "'num_workers' (concurrent requests) must be a whole number from 1 to 40."
_LOOKBACK_RULE = "'lookback_window' must be a whole number of minutes from 0 to 576000."
_SID_RULE = "'account_sid' must be AC followed by 32 hexadecimal characters"

BAD_CONFIGS: List[BadConfig] = [
    BadConfig("account_sid missing", ("account_sid",), _REMOVE, "'account_sid' is a required property"),
    BadConfig("account_sid of another kind of SID", ("account_sid",), "SK" + "0" * 32, _SID_RULE),
    BadConfig("account_sid too short", ("account_sid",), "AC123", _SID_RULE, end_to_end=True),
    BadConfig("credentials missing", ("credentials",), _REMOVE, "'credentials' is missing: give the account's Auth Token, or an API key", end_to_end=True),
    BadConfig("auth_token missing", ("credentials",), {"auth_type": "auth_token"}, "Config validation error", should_name="credentials.auth_token"),
    BadConfig("auth_token empty", ("credentials",), {"auth_type": "auth_token", "auth_token": ""},
              "'credentials.auth_token' must be the account's Auth Token, a non-empty string.", end_to_end=True),
    BadConfig("auth_token not a string", ("credentials",), {"auth_type": "auth_token", "auth_token": 12345}, "is not of type 'string'",
              end_to_end=True),
    # (the installed command prints it as "**** is not of type 'string'": integration_tests/test_bad_input.py looks)
    BadConfig("credentials of no known kind", ("credentials",), {"auth_type": "password"}, "is not valid under any of the given schemas",
              end_to_end=True, should_name="credentials.auth_type"),
    BadConfig("api_key_sid of another kind of SID", ("credentials",), _api_key(sid="AC" + "0" * 32),
              "'credentials.api_key_sid' must be SK followed by 32 hexadecimal characters."),
    BadConfig("api_key_secret empty", ("credentials",), _api_key(secret=""),
              "'credentials.api_key_secret' must be the API key's secret, a non-empty string.", end_to_end=True),
    BadConfig("start_date missing", ("start_date",), _REMOVE, "'start_date' is a required property", end_to_end=True),
    BadConfig("start_date as a date only", ("start_date",), "2024-01-01", _DATE_RULE + " as YYYY-MM-DDTHH:MM:SSZ"),
    BadConfig("start_date with an offset", ("start_date",), "2024-01-01T00:00:00+02:00", _DATE_RULE),
    BadConfig("start_date not a real date", ("start_date",), "2024-02-30T00:00:00Z", _DATE_RULE, end_to_end=True),
    BadConfig("start_date in words", ("start_date",), "yesterday", _DATE_RULE),
    BadConfig("lookback_window negative", ("lookback_window",), -5, _LOOKBACK_RULE),
    BadConfig("lookback_window too long", ("lookback_window",), 576001, _LOOKBACK_RULE),
    BadConfig("num_workers zero", ("num_workers",), 0, _WORKERS_RULE, end_to_end=True),
    BadConfig("num_workers negative", ("num_workers",), -3, _WORKERS_RULE),
    BadConfig("num_workers above 40", ("num_workers",), 41, _WORKERS_RULE),
    BadConfig("num_workers fractional", ("num_workers",), 2.5, "2.5 is not of type 'integer'", should_name="num_workers"),
    BadConfig("conference_status unknown", ("conference_status",), ["ended"], "'ended' is not one of", should_name="conference_status"),
    BadConfig("base_url not http(s)", ("base_url",), "ftp://api.twilio.com", "'base_url' " + _URL_RULE),
    BadConfig("base_url without a scheme", ("base_url",), "api.twilio.com", "'base_url' " + _URL_RULE),
    BadConfig("base_url with a trailing slash", ("base_url",), "https://api.twilio.com/", "'base_url' " + _URL_RULE, end_to_end=True),
    BadConfig("insights_base_url with a query", ("insights_base_url",), "https://insights.twilio.com?x=1", "'insights_base_url' " + _URL_RULE),
]
