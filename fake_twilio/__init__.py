"""A fake Twilio REST API for tests, the demo and the benchmark (loopback only)."""

from fake_twilio.dataset import MAIN_ACCOUNT_SID, MAIN_AUTH_TOKEN, Dataset
from fake_twilio.server import FAULT_KINDS, FakeTwilio, Faults

__all__ = ["Dataset", "FakeTwilio", "Faults", "FAULT_KINDS", "MAIN_ACCOUNT_SID", "MAIN_AUTH_TOKEN"]
