"""infra/prometheus/alerts.yml: loads as Prometheus rule groups and watches metrics the product exports.

promtool is not available here, so this checks what a typo would break: the rule-file shape, the
alerts an operator relies on, runbook anchors that exist, and that every metric an expression names is
one tuneTON registers (a renamed metric would otherwise leave an alert that can never fire).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import tuneton.observability.metrics  # noqa: F401 - registers the metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "infra" / "prometheus" / "alerts.yml"
RUNBOOK = ROOT / "docs" / "runbook.md"
PROMQL_WORDS = {"sum", "by", "and", "on", "delta", "deriv", "increase", "absent", "group", "rate", "histogram_quantile"}
PROMQL_WORDS |= {"le"}  # a histogram bucket's label, kept by ``sum by (le)`` for ``histogram_quantile``


def _rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(data) == {"groups"}
    rules = []
    for group in data["groups"]:
        assert set(group) == {"name", "rules"}
        rules.extend(group["rules"])
    return rules


def _exported() -> set[str]:
    names = set()
    for family in REGISTRY.collect():  # a labelled metric has no samples until a label set is used
        names.update(sample.name for sample in family.samples)
        names.add(family.name + ("_total" if family.type == "counter" else ""))
        if family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count"))
    return names


def test_the_operator_alerts_exist() -> None:
    names = {rule["alert"] for rule in _rules()}
    assert {"TunetonProjectorStopped", "TunetonProjectorLagGrowing", "TunetonDeadLetters"} <= names


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_each_rule_is_well_formed(rule: dict[str, Any]) -> None:
    assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"]
    assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s"))
    expr = rule["expr"]
    assert expr.count("(") == expr.count(")")
    assert expr.count("[") == expr.count("]")


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_each_rule_watches_an_exported_metric(rule: dict[str, Any]) -> None:
    words = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", re.sub(r"\[[^]]*\]|\{[^}]*\}", "", rule["expr"])))
    metrics = words - PROMQL_WORDS
    assert metrics, rule["expr"]
    assert metrics <= _exported(), metrics - _exported()


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_each_runbook_link_has_its_section(rule: dict[str, Any]) -> None:
    page, _, anchor = rule["annotations"]["runbook"].partition("#")
    assert (ROOT / page) == RUNBOOK
    headings = re.findall(r"^#+ (.+)$", RUNBOOK.read_text(encoding="utf-8"), flags=re.MULTILINE)
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
    assert anchor in anchors
