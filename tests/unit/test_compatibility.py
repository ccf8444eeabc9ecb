"""The hand-written Avro backward-compatibility checker, rule by rule, cross-checked against fastavro."""

from __future__ import annotations

import io
from typing import Any

import fastavro
import pytest
from fastavro.read import SchemaResolutionError

from tuneton.events.compatibility import backward_problems


def rec(name: str, *fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def fld(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


def enum(name: str, *symbols: str, **extra: Any) -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": list(symbols), **extra}


TS = {"type": "long", "logicalType": "timestamp-millis"}
NO_DATUM = object()
NODE = rec("Node", fld("value", "int"), fld("next", ["null", "Node"], default=None))

# (id, writer, reader, a datum of the writer)
COMPATIBLE: list[tuple[str, Any, Any, Any]] = [
    ("same primitive", "string", "string", "x"),
    ("int->long", "int", "long", 7),
    ("int->float", "int", "float", 7),
    ("int->double", "int", "double", 7),
    ("long->float", "long", "float", 2**40),
    ("long->double", "long", "double", 2**40),
    ("float->double", "float", "double", 1.5),
    ("string->bytes", "string", "bytes", "abc"),
    ("bytes->string", "bytes", "string", b"abc"),
    ("logical type dropped", TS, "long", 1_700_000_000_000),
    ("logical type added", "long", TS, 1_700_000_000_000),
    ("wrapped primitive", {"type": "int"}, "int", 3),
    (
        "field added with default",
        rec("R", fld("a", "int")),
        rec("R", fld("a", "int"), fld("b", "string", default="")),
        {"a": 1},
    ),
    (
        "field removed",
        rec("R", fld("a", "int"), fld("b", "string")),
        rec("R", fld("a", "int")),
        {"a": 1, "b": "x"},
    ),
    (
        "field renamed with alias",
        rec("R", fld("old", "int")),
        rec("R", fld("new", "int", aliases=["old"])),
        {"old": 1},
    ),
    (
        "record renamed with alias",
        rec("Old", fld("a", "int")),
        rec("New", fld("a", "int"), aliases=["Old"]),
        {"a": 1},
    ),
    (
        "record moved to another namespace",
        rec("R", fld("a", "int"), namespace="x.old"),
        rec("R", fld("a", "int"), namespace="x.new"),
        {"a": 1},
    ),
    ("field type promoted", rec("R", fld("a", "int")), rec("R", fld("a", "double")), {"a": 1}),
    ("enum symbol added", enum("E", "A", "B"), enum("E", "A", "B", "C"), "B"),
    ("enum symbol removed, reader default", enum("E", "A", "B"), enum("E", "A", default="A"), "B"),
    ("union branch added", ["null", "string"], ["null", "string", "int"], "x"),
    ("union reordered", ["null", "string"], ["string", "null"], None),
    ("non-union writer into union", "string", ["null", "string"], "x"),
    ("promoted into union", "int", ["null", "long"], 5),
    ("union writer into non-union", ["int", "long"], "long", 5),
    ("array items promoted", {"type": "array", "items": "int"}, {"type": "array", "items": "long"}, [1, 2]),
    ("map values promoted", {"type": "map", "values": "int"}, {"type": "map", "values": "double"}, {"k": 1}),
    (
        "fixed same",
        {"type": "fixed", "name": "F", "size": 4},
        {"type": "fixed", "name": "F", "size": 4},
        b"abcd",
    ),
    (
        "named reference",
        rec("R", fld("a", enum("E", "X"), default="X"), fld("b", "E"), namespace="n"),
        rec("R", fld("a", enum("E", "X", "Y"), default="X"), fld("b", "n.E"), namespace="n"),
        {"a": "X", "b": "X"},
    ),
    ("recursive record", NODE, NODE, {"value": 1, "next": {"value": 2, "next": None}}),
    (
        "record in a union",
        rec("Env", fld("payload", [rec("A", fld("x", "int")), rec("B", fld("y", "string"))])),
        rec(
            "Env",
            fld(
                "payload",
                [rec("A", fld("x", "long")), rec("B", fld("y", "string"), fld("z", "int", default=0))],
            ),
        ),
        {"payload": ("B", {"y": "hi"})},
    ),
]

# (id, writer, reader, expected problem, a writer datum fastavro must refuse to read, or NO_DATUM)
INCOMPATIBLE: list[tuple[str, Any, Any, str, Any]] = [
    ("string->int", "string", "int", "<root>: writer's string cannot be read as int", "x"),
    ("long->int", "long", "int", "writer's long cannot be read as int", 1),
    ("double->float", "double", "float", "writer's double cannot be read as float", 1.0),
    ("int->string", "int", "string", "writer's int cannot be read as string", 1),
    ("boolean->null", "boolean", "null", "writer's boolean cannot be read as null", True),
    (
        "field added without default",
        rec("R", fld("a", "int")),
        rec("R", fld("a", "int"), fld("b", "string")),
        "b: field is missing in the writer and has no default",
        {"a": 1},
    ),
    (
        "nested field type changed",
        rec("Env", fld("payload", [rec("TrackAdded", fld("rank", "string"))])),
        rec("Env", fld("payload", [rec("TrackAdded", fld("rank", "long"))])),
        "payload/TrackAdded.rank: writer's string cannot be read as long",
        {"payload": ("TrackAdded", {"rank": "a0"})},
    ),
    (
        "record renamed",
        rec("Old", fld("a", "int")),
        rec("New", fld("a", "int")),
        "record Old cannot be read as record New",
        {"a": 1},
    ),
    ("enum symbol removed", enum("E", "A", "B"), enum("E", "A"), "enum E lacks writer symbols ['B']", "B"),
    ("enum renamed", enum("E", "A"), enum("F", "A"), "enum E cannot be read as enum F", "A"),
    ("union branch removed", ["null", "string"], "string", "writer's null cannot be read as string", None),
    (
        "reader union lacks writer type",
        "int",
        ["null", "string"],
        "reader union has no branch for writer's int",
        1,
    ),
    (
        "array items narrowed",
        {"type": "array", "items": "long"},
        {"type": "array", "items": "int"},
        "[]: writer's long cannot be read as int",
        [1],
    ),
    (
        "map values changed",
        {"type": "map", "values": "string"},
        {"type": "map", "values": "int"},
        "{}: writer's string cannot be read as int",
        {"k": "v"},
    ),
    (
        "array to map",
        {"type": "array", "items": "int"},
        {"type": "map", "values": "int"},
        "writer's array cannot be read as map",
        [1],
    ),
    (
        "fixed resized",
        {"type": "fixed", "name": "F", "size": 4},
        {"type": "fixed", "name": "F", "size": 8},
        "fixed F size 4 -> 8",
        b"abcd",
    ),
    (
        "fixed renamed",
        {"type": "fixed", "name": "F", "size": 4},
        {"type": "fixed", "name": "G", "size": 4},
        "fixed F cannot be read as fixed G",
        b"abcd",
    ),
    # fastavro pairs any two named types by name and then fails with a KeyError, so no datum here
    (
        "enum into record",
        enum("E", "A"),
        rec("E", fld("a", "int")),
        "enum E cannot be read as record E",
        NO_DATUM,
    ),
    (
        "unknown reference",
        rec("R", fld("a", "Missing")),
        rec("R", fld("a", "Missing")),
        "a: unknown type 'Missing'",
        NO_DATUM,
    ),
]


def roundtrip(writer: Any, reader: Any, datum: Any) -> Any:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(writer), datum)
    out.seek(0)
    return fastavro.schemaless_reader(out, fastavro.parse_schema(writer), fastavro.parse_schema(reader))


@pytest.mark.parametrize(("writer", "reader", "datum"), [c[1:] for c in COMPATIBLE], ids=[c[0] for c in COMPATIBLE])
def test_compatible_changes_have_no_problems(writer: Any, reader: Any, datum: Any) -> None:
    assert backward_problems(reader, writer) == []


@pytest.mark.parametrize(("writer", "reader", "datum"), [c[1:] for c in COMPATIBLE], ids=[c[0] for c in COMPATIBLE])
def test_fastavro_reads_what_the_checker_accepts(writer: Any, reader: Any, datum: Any) -> None:
    roundtrip(writer, reader, datum)


@pytest.mark.parametrize(
    ("writer", "reader", "expected", "datum"), [c[1:] for c in INCOMPATIBLE], ids=[c[0] for c in INCOMPATIBLE]
)
def test_incompatible_changes_are_reported(writer: Any, reader: Any, expected: str, datum: Any) -> None:
    problems = backward_problems(reader, writer)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("writer", "reader", "datum"),
    [(c[1], c[2], c[4]) for c in INCOMPATIBLE if c[4] is not NO_DATUM],
    ids=[c[0] for c in INCOMPATIBLE if c[4] is not NO_DATUM],
)
def test_fastavro_refuses_what_the_checker_rejects(writer: Any, reader: Any, datum: Any) -> None:
    with pytest.raises(SchemaResolutionError):
        roundtrip(writer, reader, datum)


def test_compatibility_is_directional() -> None:
    assert backward_problems("long", "int") == []
    assert backward_problems("int", "long") != []


def test_each_problem_is_reported_with_its_own_path() -> None:
    writer = rec("R", fld("a", "string"), fld("b", enum("E", "X", "Y")))
    reader = rec("R", fld("a", "int"), fld("b", enum("E", "X")), fld("c", "int"))
    assert backward_problems(reader, writer) == [
        "a: writer's string cannot be read as int",
        "b: enum E lacks writer symbols ['Y'] and has no default",
        "c: field is missing in the writer and has no default",
    ]


def test_references_resolve_in_each_sides_own_namespace() -> None:
    writer = rec("R", fld("e", enum("E", "A", namespace="w")), fld("f", "w.E"))
    reader = rec("R", fld("e", enum("E", "A", namespace="r")), fld("f", "E"), namespace="r")
    assert backward_problems(reader, writer) == []
    narrowed = rec("R", fld("e", enum("E", "B", namespace="r")), fld("f", "E"), namespace="r")
    assert backward_problems(narrowed, writer) == [
        "e: enum r.E lacks writer symbols ['A'] and has no default",
        "f: enum r.E lacks writer symbols ['A'] and has no default",
    ]
