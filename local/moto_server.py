"""moto's server, with DynamoDB's conditional writes made atomic, EMR
clusters in the Resource Groups Tagging API, and two of moto's slow paths
made fast (same answers).

Real DynamoDB checks a ConditionExpression and writes in one step; moto's
server handles requests on threads and checks, then writes, so two
concurrent conditional puts can both succeed. emrbot's exactly-once claims
and its locks rely on the real behaviour, so the emulator serialises
DynamoDB's writes (only them: SQS long polls and everything else stay
concurrent).

Real AWS lists EMR clusters (`elasticmapreduce:cluster`) in the Resource
Groups Tagging API's GetResources; moto's EMR backend does not take part in
it. The scheduler reads every cluster's exempt tag with one GetResources per
account, so the emulator registers EMR clusters with moto's own tagging
machinery (TaggableResourcesMixin), tags as EMR holds them.

Two moto paths cost far more than AWS, which would swamp what the
scheduler's benchmark measures (docs/EMULATOR.md):
- TransactWriteItems deep-copies the whole table once per item of the
  transaction (for its rollback); once per call is enough.
- GetMetricData scans every datapoint for every query and every period;
  an index by metric answers the same.

Started by local/src/emulator.rs with the project's .venv python.
"""

import sys
import threading

from moto.dynamodb.models import DynamoDBBackend

_write = threading.RLock()


def _atomic(method):
    def locked(self, *args, **kwargs):
        with _write:
            return method(self, *args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    if hasattr(DynamoDBBackend, _name):
        setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))

from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource  # noqa: E402
from moto.emr import models as _emr  # noqa: E402


class _TaggableEmr(_emr.ElasticMapReduceBackend, TaggableResourcesMixin):
    SERVICE_NAMESPACE = "elasticmapreduce"

    def iter_tagged_resources(self):
        for cluster in list(self.clusters.values()):
            yield TaggedResource(
                arn=cluster.arn,
                tags=dict(cluster._tags),
                resource_type="elasticmapreduce:cluster",
            )


# moto finds a backend's URL routes from its class's module.
_TaggableEmr.__module__ = _emr.__name__
# Before any account's backend exists (they are made on first use).
_emr.emr_backends.backend = _TaggableEmr

import copy as _copy  # noqa: E402
from datetime import timedelta  # noqa: E402

from moto.dynamodb import models as _dynamodb  # noqa: E402
from moto.cloudwatch import models as _cloudwatch  # noqa: E402


class _CopyOncePerCall:
    """`copy` for one transaction: each object is deep-copied once."""

    def __init__(self):
        self._copies = {}

    def deepcopy(self, obj, memo=None):
        key = id(obj)
        if key not in self._copies:
            self._copies[key] = (obj, _copy.deepcopy(obj, memo))
        return self._copies[key][1]

    def __getattr__(self, name):
        return getattr(_copy, name)


_moto_transact = DynamoDBBackend.transact_write_items


def _transact_write_items(self, *args, **kwargs):
    # Writes are serialised (above), so no other transaction sees the shim.
    with _write:
        _dynamodb.copy = _CopyOncePerCall()
        try:
            return _moto_transact(self, *args, **kwargs)
        finally:
            _dynamodb.copy = _copy


DynamoDBBackend.transact_write_items = _transact_write_items

_moto_get_metric_data = _cloudwatch.CloudWatchBackend.get_metric_data


def _dimensions_key(dimensions):
    return tuple(sorted((d.name, d.value) for d in dimensions))


def _get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    simple = queries and all(
        "MetricStat" in q and q["MetricStat"]["Metric"].get("Dimensions") for q in queries
    )
    if not simple or start_time >= end_time:
        return _moto_get_metric_data(self, queries, start_time, end_time, scan_by)
    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    index = {}
    for md in self.get_all_metrics():
        if start_time <= md.timestamp < end_time:
            index.setdefault((md.namespace, md.name, _dimensions_key(md.dimensions)), []).append(md)
    results = []
    for query in queries:
        stat = query["MetricStat"]
        metric = stat["Metric"]
        dimensions = tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"]))
        period = int(stat["Period"])
        buckets = {}
        for md in index.get((metric["Namespace"], metric["MetricName"], dimensions), []):
            if stat.get("Unit") and md.unit != stat["Unit"]:
                continue
            buckets.setdefault(int((md.timestamp - start_time).total_seconds()) // period, []).append(md)
        values, timestamps = [], []
        for i in sorted(buckets):
            stats = _cloudwatch.Statistics([stat["Stat"]], start_time + timedelta(seconds=i * period))
            stats.metric_data = buckets[i]
            values.append(stats.get_statistics_for_type(stat["Stat"]))
            timestamps.append(stats.timestamp)
        if scan_by == "TimestampDescending":
            values.reverse()
            timestamps.reverse()
        if query.get("ReturnData", True):
            results.append(
                {
                    "id": query["Id"],
                    "label": query.get("Label") or f"{metric['MetricName']} {stat['Stat']}",
                    "values": values,
                    "timestamps": timestamps,
                    "status_code": "Complete",
                }
            )
    return results


_cloudwatch.CloudWatchBackend.get_metric_data = _get_metric_data

from moto.server import main  # noqa: E402  (after the patches)

if __name__ == "__main__":
    sys.exit(main())
