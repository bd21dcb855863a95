"""Builders for the unit tests, in the shape of Airbyte's source-stripe tests: config.py (the config), catalog.py,
requests.py (one builder per Twilio endpoint), responses.py (records, pages and errors from the templates in
unit_tests/resource/http/response/), bad_configs.py (the bad-config table the unit and end-to-end tests share)."""
