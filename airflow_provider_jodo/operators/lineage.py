"""What an import wrote and read: its asset event, and its OpenLineage facets.

`ImportLineage` is the import operators' mixin. On success an operator calls `record_import`:
the campaign's or process's asset gets an event (through the operator's alias, see
`airflow_provider_jodo.assets`) whose extra holds the import's counts and ids, and the rows
landed are kept for OpenLineage. A failed import records nothing.

OpenLineage is optional (`airflow-provider-jodo[openlineage]`): its classes are imported only
when the OpenLineage provider asks an operator for its facets, so the provider works without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from airflow.sdk import Asset, AssetAlias

from airflow_provider_jodo.assets import convert_asset_to_openlineage, record_import_event
from airflow_provider_jodo.loading.storage import is_uri

if TYPE_CHECKING:
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.generated.base import OutputDatasetFacet


class ImportLineage:
    """Mixin of the import operators: the asset event of a successful import, and its lineage.

    A class using it sets `import_alias` (the alias in its outlets) and defines `import_asset`
    (the campaign's or process's asset, built from the rendered fields); it overrides
    `lineage_inputs` when it reads a file or a query.
    """

    import_alias: AssetAlias
    import_asset: Callable[[], Asset]
    _rows_landed: int | None = None
    _hygiene_counts: Mapping[str, int] = {}

    def record_import(
        self,
        context: Mapping[str, Any],
        extra: dict[str, Any],
        rows_landed: int,
        hygiene_counts: Mapping[str, int] | None = None,
    ) -> None:
        """Emit the asset event of a successful import and keep its rows for OpenLineage.

        :param context: the task's context.
        :param extra: the event's extra: counts and ids, no personal data, no secret.
        :param rows_landed: the records or rows that landed (inserted, updated, accepted or
            skipped as a duplicate).
        :param hygiene_counts: the lead-hygiene step's counts (`loading.hygiene`; empty or None
            when it is off), added to OpenLineage's output statistics beside `rowCount`.
        """
        record_import_event(context, self.import_alias, self.import_asset(), extra)
        self._rows_landed = rows_landed
        self._hygiene_counts = dict(hygiene_counts or {})

    def lineage_inputs(self) -> OperatorLineage:
        """Give what the import read as OpenLineage inputs (and job facets); none by default."""
        from airflow.providers.openlineage.extractors import OperatorLineage

        return OperatorLineage()

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """Give the inputs, and the campaign or process with the rows landed as output statistics.

        :param task_instance: the finished task instance (unused: the operator kept its counts).
        """
        return self._lineage(self._rows_landed)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> OperatorLineage:
        """Give the inputs and the output without statistics: the provider adds the error's facet.

        :param task_instance: the failed task instance (unused).
        """
        return self._lineage(None)

    def _lineage(self, rows_landed: int | None) -> OperatorLineage:
        """Combine `lineage_inputs` with the output dataset, its row count when known."""
        from airflow.providers.common.compat.openlineage.facet import (
            OutputDataset,
            OutputStatisticsOutputDatasetFacet,
        )

        lineage = self.lineage_inputs()
        dataset = convert_asset_to_openlineage(self.import_asset())
        facets: dict[str, OutputDatasetFacet] = {}
        if rows_landed is not None:
            statistics: OutputDatasetFacet = OutputStatisticsOutputDatasetFacet(rowCount=rows_landed)
            if self._hygiene_counts:  # its own names beside rowCount, as the facet allows
                statistics = cast(
                    "OutputDatasetFacet", statistics.with_additional_properties(**self._hygiene_counts)
                )
            facets["outputStatistics"] = statistics
        output = OutputDataset(namespace=dataset.namespace, name=dataset.name, outputFacets=facets)
        lineage.outputs = [output]
        return lineage


def location_lineage(location: str | None) -> OperatorLineage:
    """Give a file's OpenLineage input: a local path, an object-storage URI or an http/ftp URL.

    A local path is namespace `file`, name its absolute path; a URI is namespace
    `scheme://bucket-or-host[:port]` (no login), name its path without query (a signed URL's
    token stays out). None (no file) gives no input.

    :param location: the path or URI the operator read.
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage

    if location is None:
        return OperatorLineage()
    dataset: Dataset
    if not is_uri(location) or location.startswith("file:"):
        dataset = Dataset(namespace="file", name=os.path.abspath(urlsplit(location).path or location))
    else:
        parts = urlsplit(location)
        authority = parts.netloc.rpartition("@")[2]
        dataset = Dataset(namespace=f"{parts.scheme}://{authority}", name=parts.path.lstrip("/") or "/")
    return OperatorLineage(inputs=[dataset])


def query_lineage(sql_conn_id: str, sql: str) -> OperatorLineage:
    """Give a query's OpenLineage inputs (its tables) and its `sql` job facet.

    The tables come from OpenLineage's SQL parser when the connection's hook describes its
    database for OpenLineage (namespace from the connection); otherwise only the query is given.

    :param sql_conn_id: the SQL connection the query ran on.
    :param sql: the rendered query.
    """
    from airflow.providers.common.compat.openlineage.facet import SQLJobFacet
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.providers.openlineage.sqlparser import get_openlineage_facets_with_sql

    from airflow_provider_jodo.compat.airflow import BaseHook

    connection = BaseHook.get_connection(sql_conn_id)
    lineage = get_openlineage_facets_with_sql(
        hook=connection.get_hook(), sql=sql, conn_id=sql_conn_id, database=None, use_connection=False
    )
    return lineage or OperatorLineage(job_facets={"sql": SQLJobFacet(query=sql)})
