"""The configured catalog a read is given, through the CDK's CatalogBuilder."""

from __future__ import annotations

from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder


def catalog(*streams: str, sync_mode: SyncMode = SyncMode.full_refresh) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for stream in streams:
        builder = builder.with_stream(stream, sync_mode)
    return builder.build()
