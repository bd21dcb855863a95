import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.entrypoint_wrapper import discover

from source_twilio import SourceTwilio
from source_twilio.config_checks import config_errors, secret_names
from source_twilio.source import MANIFEST_PATH, connection_specification, run
from unit_tests.builders import AUTH_TOKEN, ConfigBuilder

ROOT = Path(__file__).resolve().parent.parent
_CONFIG_KEY = re.compile(r"""config(?:\[['"](\w+)['"]\]|\.get\(['"](\w+)['"]|\.(\w+))""")


def _manifest_config_keys() -> set:
    text = MANIFEST_PATH.read_text()
    text = text[: text.index("\nspec:")]  # the spec itself is not a reader of the config
    return {next(g for g in match if g) for match in _CONFIG_KEY.findall(text)} - {"get"}


def test_given_the_manifest_when_reading_config_keys_then_every_key_is_declared_in_the_spec():
    keys = _manifest_config_keys()

    assert {
        "account_sid", "credentials", "start_date", "lookback_window", "num_workers", "include_subaccounts",
        "conference_status", "friendly_name", "base_url", "insights_base_url",
    } <= keys
    assert keys <= set(connection_specification()["properties"])


def test_given_the_spec_when_rendered_then_each_field_has_title_description_and_a_distinct_order():
    properties = connection_specification()["properties"]

    assert all(p.get("title") and p.get("description") for p in properties.values())
    orders = [p["order"] for p in properties.values()]
    assert sorted(orders) == list(range(len(orders)))
    assert secret_names(connection_specification()) == {"auth_token", "api_key_secret"}
    assert not any(p.get("airbyte_secret") for p in properties.values())  # account SID and URLs stay visible


def test_given_the_official_openapi_spec_when_schemas_generated_then_committed_schemas_are_identical():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "generate_schemas.py"), "--check"], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_given_a_config_when_discover_then_primary_keys_and_cursor_match_twilio():
    output = discover(SourceTwilio(None, ConfigBuilder().build(), None), ConfigBuilder().build())

    streams = {s.name: s for s in output.catalog.catalog.streams}
    assert streams["conferences"].source_defined_primary_key == [["sid"]]
    assert streams["conferences"].default_cursor_field == ["date_updated"]
    assert SyncMode.incremental in streams["conferences"].supported_sync_modes
    assert streams["conference_participants"].source_defined_primary_key == [["conference_sid"], ["call_sid"]]
    assert streams["conference_participants"].supported_sync_modes == [SyncMode.full_refresh]


def test_given_date_fields_in_schemas_when_loaded_then_every_date_is_date_time():
    for path in (ROOT / "source_twilio" / "schemas").glob("*.json"):
        properties = json.loads(path.read_text())["properties"]
        dates = {name for name in properties if name.startswith("date_") or name in {"create_time", "start_time", "end_time", "join_time", "leave_time"}}
        assert dates and all(properties[name].get("format") == "date-time" for name in dates), path.name


_BAD_CONFIGS = [
    ("missing account_sid", ConfigBuilder().without("account_sid"), "'account_sid' is missing"),
    ("SID of the wrong form", ConfigBuilder().with_field("account_sid", "SK" + "0" * 32), "'account_sid' must have the form AC followed by 32"),
    ("missing credentials", ConfigBuilder().without("credentials"), "'credentials' is missing"),
    ("missing token", ConfigBuilder().with_field("credentials", {"auth_type": "auth_token"}), "'credentials.auth_token' is missing"),
    ("empty token", ConfigBuilder().with_field("credentials", {"auth_type": "auth_token", "auth_token": ""}), "'credentials.auth_token' must not be empty"),
    ("token of the wrong type", ConfigBuilder().with_field("credentials", {"auth_type": "auth_token", "auth_token": 123456789}), "'credentials.auth_token' must be of type string."),
    ("unknown auth type", ConfigBuilder().with_field("credentials", {"auth_type": "password"}), "'credentials.auth_type' must be one of auth_token, api_key"),
    ("API key SID of the wrong form", ConfigBuilder().with_api_key(sid="AC" + "0" * 32), "'credentials.api_key_sid' must have the form SK followed by 32"),
    ("unknown status", ConfigBuilder().with_field("conference_status", ["ended"]), "'conference_status.0' must be one of init, in-progress, completed"),
    ("date in another format", ConfigBuilder().with_start_date("2024-01-01"), "'start_date' must have the form YYYY-MM-DDTHH:MM:SSZ"),
    ("date that does not exist", ConfigBuilder().with_start_date("2024-02-30T00:00:00Z"), "'start_date' is not a real date"),
    ("negative lookback", ConfigBuilder().with_lookback_window(-5), "'lookback_window' must be between 0 and 576000 (got -5)"),
    ("too many workers", ConfigBuilder().with_num_workers(41), "'num_workers' must be between 1 and 40 (got 41)"),
    ("no workers", ConfigBuilder().with_num_workers(0), "'num_workers' must be between 1 and 40 (got 0)"),
    ("base_url not http", ConfigBuilder().with_base_url("ftp://api.twilio.com"), "'base_url' must have the form http(s)://host"),
    ("base_url with a trailing slash", ConfigBuilder().with_base_url("https://api.twilio.com/"), "'base_url' must have the form"),
]


@pytest.mark.parametrize("case, builder, expected", _BAD_CONFIGS, ids=[c[0] for c in _BAD_CONFIGS])
def test_given_a_bad_config_when_validated_then_the_message_names_the_field(case, builder, expected):
    problems = config_errors(builder.build(), connection_specification())

    assert len(problems) == 1 and problems[0].startswith(expected), problems
    assert str(123456789) not in problems[0]


def test_given_a_valid_config_when_validated_then_no_problem():
    assert config_errors(ConfigBuilder().with_lookback_window(60).with_num_workers(10).build(), connection_specification()) == []


def _run(capsys, tmp_path, command, config, extra=()):
    config_path = tmp_path / "config.json"
    config_path.write_text(config if isinstance(config, str) else json.dumps(config))
    exit_code = 0
    try:
        run([command, "--config", str(config_path), *extra])
    except SystemExit as exit_:
        exit_code = exit_.code
    messages = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return exit_code, messages


def test_given_a_bad_config_when_check_then_failed_status_naming_the_field(capsys, tmp_path):
    exit_code, messages = _run(capsys, tmp_path, "check", ConfigBuilder().with_field("account_sid", "AC123").build())

    assert exit_code == 0
    statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    assert statuses == [{"status": "FAILED", "message": "Invalid config: 'account_sid' must have the form AC followed by 32 hexadecimal characters (got 'AC123')."}]


def test_given_a_bad_config_when_read_then_config_error_trace_without_the_secret(capsys, tmp_path):
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text('{"streams": []}')
    exit_code, messages = _run(
        capsys, tmp_path, "read", ConfigBuilder().with_start_date("yesterday").build(), ["--catalog", str(catalog_path)]
    )

    assert exit_code == 1
    errors = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert [e["failure_type"] for e in errors] == ["config_error"]
    assert "'start_date' must have the form YYYY-MM-DDTHH:MM:SSZ" in errors[0]["message"]
    assert "stack_trace" not in errors[0] or not errors[0]["stack_trace"]
    assert AUTH_TOKEN not in json.dumps(messages)


def test_given_a_config_file_that_is_not_json_when_discover_then_config_error_naming_the_file(capsys, tmp_path):
    exit_code, messages = _run(capsys, tmp_path, "discover", "{not json")

    assert exit_code == 1
    assert "is not valid JSON (line 1, column 2)" in messages[0]["trace"]["error"]["message"]

