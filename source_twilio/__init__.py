"""Airbyte source for Twilio conferences, on the low-code CDK."""

from source_twilio.source import SourceTwilio

__all__ = ["SourceTwilio"]
