"""The mapping schema: every wrong key, type or value is a MappingError naming the key and the fix."""

from pathlib import Path

import pytest

from journeymining.core.errors import MappingError
from journeymining.io.mapping import MAX_YAML_NODES, load_mapping, mapping_reference, template_fields

BASE = {"case": "ticket", "activity": "status", "timestamp": "at"}


def test_docs_mapping_md_is_generated_from_the_schema():
    doc = Path(__file__).parents[1] / "docs" / "MAPPING.md"
    assert doc.read_text(encoding="utf-8") == mapping_reference() + "\n", (
        "docs/MAPPING.md is out of date: python -c \"from journeymining.io.mapping import mapping_reference as r; "
        "print(r())\" > docs/MAPPING.md")
    for key in ("na_values", "columns", "join", "at", "status", "skip_rows", "key_env"):
        assert f"| `{key}` |" in doc.read_text(encoding="utf-8")


@pytest.mark.parametrize("change,words", [
    ({"activity": {"column": "status", "columns": ["a"]}}, r"'activity' is .*exactly one of 'column' and 'columns'"),
    ({"source": "csv"}, r"'source' is 'csv': Input should be a valid dictionary\. Accepted: a mapping such as"),
    ({"source": {"format": "xlsx"}}, r"'source.format' is 'xlsx'.*csv, parquet, excel, jsonl, xes"),
    ({"source": {"sheet": [1]}}, r"'source.sheet' is \[1\]"),
    ({"first": ["x"]}, r"'first' is \['x'\]"),
    ({"timestamp": {"column": "at", "format": "%Y-%m-%d %Q"}}, r"'timestamp.format' .*unknown directive\(s\) %Q"),
    ({"timestamp": {"column": "at", "format": "YYYY-MM-DD"}}, r"neither a strftime pattern"),
    ({"timestamp": {"column": ["at"]}}, r"'timestamp.column' is \['at'\]: must be a column name"),
    ({"case": {"id": ""}}, r"'case.id' is '': must be a column name, not empty"),
    ({"case": {"id": True}}, r"'case.id' is True: must be a column name"),
    ({"duplicates": "drop"}, r"'duplicates' is 'drop': Input should be 'quarantine' or 'keep'"),
    ({"attributes": ["csat"]}, r"'attributes' is \['csat'\]: Input should be a valid dictionary"),
    ({"attributes": {"csat": {"col": "x"}}}, r"unknown key 'col' in 'attributes.csat'. Did you mean 'column'"),
    ({"activities": {"unknown": "drop"}}, r"'activities.unknown' is 'drop'"),
    ({"pseudonymize": {"columns": [["a"]], "key_env": "K"}}, r"'pseudonymize.columns"),
    ({"source": {"delimiter": "::"}}, r"'source.delimiter' is '::': must be one character"),
    ({"source": {"skip_rows": "two"}}, r"'source.skip_rows' is 'two': Input should be a valid integer"),
    ({"activity": ["status", "x"]}, r"'activity' is a list.*columns: \[concept:name, lifecycle:transition\]"),
])
def test_wrong_types_and_values_name_the_key(change, words):
    with pytest.raises(MappingError, match=words):
        load_mapping({**BASE, **change})


def test_short_forms_and_new_keys():
    m = load_mapping({**BASE, "activity": {"column": "status"}, "source": {"na_values": "?", "delimiter": "\\t"},
                      "channel": {"value": "e-mail"}, "attributes": {"csat": {"column": "score"}}})
    assert (m.activity, m.na_values, m.source["delimiter"], m.channel_value, m.attributes) == (
        "status", ("?",), "\t", "e-mail", {"csat": "score"})
    m = load_mapping({"shape": "updates", "case": "n", "timestamp": "at", "first": "{state}",
                      "track": {"state": {"activity": "{new}", "status": True}, "grp": None}})
    assert m.first_activity == "{state}"
    assert [(t.column, t.activity, t.status) for t in m.track] == [("state", "{new}", True),
                                                                  ("grp", "{column}: {new}", False)]
    assert ("first.activity placeholder {state}", "state") in m.input_columns()
    assert template_fields("{a} {{b}} {c:d}") == ["a", "c:d"]


def test_yaml_files_are_utf8_small_and_without_alias_bombs(tmp_path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("case: t\nactivity: s\ntimestamp: at\nname: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(MappingError, match=r"latin.yaml is not UTF-8 \(byte b'\\xe9' on line 4\)"):
        load_mapping(latin)
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    bomb.write_text("\n".join(lines + ["case: t", "activity: s", "timestamp: at"]) + "\n")
    with pytest.raises(MappingError, match=f"expands to more than {MAX_YAML_NODES:,} values"):
        load_mapping(bomb)
    big = tmp_path / "big.yaml"
    big.write_text("name: " + "x" * (2 << 20) + "\n")
    with pytest.raises(MappingError, match=r"big.yaml is 2,097,159 bytes; a mapping is a few KiB"):
        load_mapping(big)
    with pytest.raises(MappingError, match="is a folder"):
        load_mapping(tmp_path)
    deep = tmp_path / "deep.yaml"
    deep.write_text("case: t\nactivity: s\ntimestamp: at\nname: " + "[" * 20000 + "]" * 20000 + "\n")
    with pytest.raises(MappingError, match="deep.yaml is nested too deeply"):
        load_mapping(deep)
    small = tmp_path / "aliases.yaml"  # a few aliases are fine
    small.write_text("name: &tz Europe/Rome\ncase: t\nactivity: s\ntimestamp: {column: at, timezone: *tz}\n")
    assert load_mapping(small).timezone == "Europe/Rome"
