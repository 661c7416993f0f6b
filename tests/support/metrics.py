"""/metrics read as Prometheus reads it."""

from prometheus_client.parser import text_string_to_metric_families


def metric(body: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with these labels in a /metrics page."""
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise AssertionError(f"no sample {name} {labels}")
