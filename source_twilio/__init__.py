"""Airbyte source for Twilio conferences: manifest.yaml and components.py on the low-code CDK."""
