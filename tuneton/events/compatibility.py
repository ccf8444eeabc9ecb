"""Avro backward compatibility: can a new (reader) schema read every datum an old (writer) schema wrote?

The rules are those of the Avro specification's "Schema Resolution" section, applied to schemas as
parsed JSON (``json.loads`` of an ``.avsc`` file), not to fastavro's parsed form:

* records match by unqualified name or a reader alias; every reader field must exist in the writer
  (by name or reader field alias) or carry a default; writer fields the reader dropped are skipped;
* enums match by name; every writer symbol must be a reader symbol unless the reader has a default;
* fixed match by name and size; arrays and maps compare their items and values;
* primitives match themselves or a promotion (int -> long/float/double, long -> float/double,
  float -> double, string <-> bytes); logical types are ignored, the underlying type governs;
* every branch of a writer union must resolve against the reader (the first reader union branch that
  matches it, as resolution does); a non-union writer must match some branch of a reader union;
* a type given as a string names a primitive or an earlier named type, resolved per side in the
  enclosing namespace.

Written by hand on purpose: no Python library checks compatibility well (fastavro only resolves one
datum at read time, and the registry clients leave the check to the server). The unit tests run each
compatible case through fastavro's real resolution to show the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuneton.events.errors import EventContractError

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})
_PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}

Names = dict[str, tuple[dict[str, Any], str]]
"""Full name -> (definition, namespace enclosing the definition), one table per schema."""


class IncompatibleSchema(EventContractError):
    """A new schema version cannot read data written with the previous one."""

    def __init__(self, subject: str, problems: list[str]) -> None:
        super().__init__(f"{subject}: " + "; ".join(problems))
        self.subject = subject
        self.problems = problems


def backward_problems(reader: Any, writer: Any) -> list[str]:
    """Why ``reader`` cannot read data written with ``writer`` (empty list: compatible).

    Each problem reads ``"<path>: <why>"``, the path naming fields as ``field/Record.field``,
    e.g. ``"payload/TrackAdded.rank: writer's string cannot be read as long"``.
    """
    check = _Check(reader_names=_names(reader), writer_names=_names(writer))
    check.compare(check.node(reader, "", reader=True), check.node(writer, "", reader=False), "")
    return check.problems


@dataclass(frozen=True)
class _Node:
    """A schema with references and ``{"type": ...}`` wrappers removed."""

    kind: str  # a primitive, "record", "enum", "fixed", "array", "map", "union" or "unknown"
    schema: Any
    namespace: str  # the namespace names inside this schema resolve in
    fullname: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind} {self.fullname}" if self.fullname else self.kind


@dataclass
class _Check:
    """One comparison: both sides' named types, the problems found so far, record pairs already compared."""

    reader_names: Names
    writer_names: Names
    problems: list[str] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def node(self, schema: Any, namespace: str, *, reader: bool) -> _Node:
        """Dereference ``schema`` in ``namespace`` using the reader's or the writer's names."""
        if isinstance(schema, dict):
            kind = schema.get("type")
            if kind in _NAMED:
                fullname = _fullname(schema["name"], schema.get("namespace", namespace))
                return _Node("record" if kind == "error" else kind, schema, _namespace(fullname), fullname)
            if kind in ("array", "map"):
                return _Node(kind, schema, namespace)
            return self.node(kind, namespace, reader=reader)  # primitive with a logicalType, or a wrapper
        if isinstance(schema, list) or schema in PRIMITIVES:
            return _Node("union" if isinstance(schema, list) else schema, schema, namespace)
        return self._reference(str(schema), namespace, reader=reader)

    def _reference(self, name: str, namespace: str, *, reader: bool) -> _Node:
        names = self.reader_names if reader else self.writer_names
        for candidate in (_fullname(name, namespace), name):
            if candidate in names:
                definition, enclosing = names[candidate]
                return self.node(definition, enclosing, reader=reader)
        return _Node("unknown", name, namespace, name)

    def compare(self, reader: _Node, writer: _Node, path: str) -> None:
        """Record every reason data of ``writer`` at ``path`` cannot be read as ``reader``."""
        if writer.kind == "union":
            for branch in writer.schema:
                self.compare(reader, self.node(branch, writer.namespace, reader=False), path)
            return
        if reader.kind == "union":
            branches = (self.node(b, reader.namespace, reader=True) for b in reader.schema)
            chosen = next((b for b in branches if _matches(b, writer)), None)
            if chosen is None:
                self._problem(path, f"reader union has no branch for writer's {writer.label}")
            else:
                self.compare(chosen, writer, path)
            return
        if "unknown" in (reader.kind, writer.kind):
            unknown = reader if reader.kind == "unknown" else writer
            self._problem(path, f"unknown type {unknown.fullname!r}")
        elif not _matches(reader, writer):
            self._problem(path, f"writer's {writer.label} cannot be read as {reader.label}")
        elif reader.kind == "record":
            self._record(reader, writer, path)
        elif reader.kind == "enum":
            self._enum(reader, writer, path)
        elif reader.kind == "fixed" and reader.schema["size"] != writer.schema["size"]:
            self._problem(path, f"{reader.label} size {writer.schema['size']} -> {reader.schema['size']}")
        elif reader.kind in ("array", "map"):
            key, suffix = ("items", "[]") if reader.kind == "array" else ("values", "{}")
            self.compare(
                self.node(reader.schema[key], reader.namespace, reader=True),
                self.node(writer.schema[key], writer.namespace, reader=False),
                path + suffix,
            )

    def _record(self, reader: _Node, writer: _Node, path: str) -> None:
        if (
            reader.fullname,
            writer.fullname,
        ) in self._seen:  # recursive or shared: compared (and reported) once
            return
        self._seen.add((reader.fullname, writer.fullname))
        written = {f["name"]: f for f in writer.schema.get("fields", [])}
        record = reader.fullname.rsplit(".", 1)[-1]
        for wanted in reader.schema.get("fields", []):
            field_path = f"{path}/{record}.{wanted['name']}" if path else wanted["name"]
            names = [wanted["name"], *wanted.get("aliases", [])]
            source = next((written[n] for n in names if n in written), None)
            if source is not None:
                self.compare(
                    self.node(wanted["type"], reader.namespace, reader=True),
                    self.node(source["type"], writer.namespace, reader=False),
                    field_path,
                )
            elif "default" not in wanted:
                self._problem(field_path, "field is missing in the writer and has no default")

    def _enum(self, reader: _Node, writer: _Node, path: str) -> None:
        missing = [s for s in writer.schema["symbols"] if s not in reader.schema["symbols"]]
        if missing and "default" not in reader.schema:
            self._problem(path, f"{reader.label} lacks writer symbols {missing} and has no default")

    def _problem(self, path: str, why: str) -> None:
        self.problems.append(f"{path or '<root>'}: {why}")


def _matches(reader: _Node, writer: _Node) -> bool:
    """Whether resolution would pair these two at all (the spec's shallow match)."""
    if reader.kind in _NAMED or writer.kind in _NAMED:
        if reader.kind != writer.kind:
            return False
        name = _unqualified(writer.fullname)
        return name == _unqualified(reader.fullname) or name in map(_unqualified, reader.schema.get("aliases", []))
    return reader.kind == writer.kind or reader.kind in _PROMOTIONS.get(writer.kind, frozenset())


def _names(schema: Any, namespace: str = "", table: Names | None = None) -> Names:
    """Every named type defined in ``schema``, by full name."""
    names: Names = {} if table is None else table
    if isinstance(schema, list):
        for branch in schema:
            _names(branch, namespace, names)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in _NAMED:
            fullname = _fullname(schema["name"], schema.get("namespace", namespace))
            names[fullname] = (schema, namespace)
            for member in schema.get("fields", []):
                _names(member["type"], _namespace(fullname), names)
        elif kind == "array":
            _names(schema["items"], namespace, names)
        elif kind == "map":
            _names(schema["values"], namespace, names)
        else:
            _names(kind, namespace, names)
    return names


def _fullname(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _namespace(fullname: str) -> str:
    return fullname.rpartition(".")[0]


def _unqualified(name: str) -> str:
    return name.rpartition(".")[2]
