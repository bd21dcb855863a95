"""`python main.py spec|check|discover|read ...`: the same as the `source-twilio` command."""

from source_twilio.source import run

if __name__ == "__main__":
    run()
