"""No raw value of a pseudonymised column reaches any file ``convert`` or ``analyze`` writes.

Issue 9's done-when: a ticket export with a customer e-mail column and an agent-name column, both
pseudonymised, plus bad rows (missing and placeholder timestamps, a row cut short, a date that is
no date, a missing ticket id, an exact duplicate, spaces around an e-mail, text in a numeric
attribute). Every file written -- the log in each format, the rejected rows, the quality issues,
the report (with the SVG data URIs inside it decoded), summary.json, model.bpmn and every CSV --
is read back (gzip, Parquet and SQLite decoded) and searched for the raw values.
"""

from __future__ import annotations

import base64
import gzip
import re
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from journeymining.cli import main
from journeymining.io import pseudonymize

KEY_ENV = "JM_PRIVACY_TEST_KEY"
KEY = "privacy-test-key-0123456789abcdef"

EMAILS = ["mario.rossi@example.com", "giulia.bianchi@example.org", "anna.verdi@example.net",
          "luca.neri@example.com", "sara.gialli@example.org"]
AGENTS = ["Beatrice Lombardi", "Carlo Marchetti", "Davide Esposito"]
# parts of the raw values that must not appear either (e.g. a local part or a surname alone)
FRAGMENTS = ["rossi", "bianchi", "verdi", "neri@", "gialli", "Lombardi", "Marchetti", "Esposito", "example."]

HEADER = "ticket,status,at,email,agent,product,score"


def _export(path):
    """Three good tickets, then bad rows that each raw value appears in."""
    e, a = EMAILS, AGENTS
    lines = [HEADER]
    good = [("T1", [("New", "2024-03-01 09:00"), ("Assigned", "2024-03-01 09:30"), ("Resolved", "2024-03-02 10:00"),
                    ("Closed", "2024-03-03 10:00")], e[0], a[0], "Router"),
            ("T2", [("New", "2024-03-04 09:00"), ("Assigned", "2024-03-04 11:00"), ("Resolved", "2024-03-05 10:00"),
                    ("Reopened", "2024-03-06 08:00"), ("Resolved", "2024-03-06 12:00"),
                    ("Closed", "2024-03-07 12:00")], e[1], a[1], "Modem"),
            ("T3", [("New", "2024-03-08 09:00"), ("Resolved", "2024-03-08 15:00"), ("Closed", "2024-03-09 15:00")],
             e[2], a[2], "Router"),
            ("T4", [("New", "2024-03-10 09:00"), ("Assigned", "2024-03-10 10:00"), ("Closed", "2024-03-11 10:00")],
             e[0], a[1], "Modem")]
    for ticket, events, email, agent, product in good:
        for status, at in events:
            lines.append(f"{ticket},{status},{at},{email},{agent},{product},4")
    lines += [
        f"T1,Commented,,{e[0]},{a[0]},Router,4",                        # missing timestamp
        f"T2,Commented,9999-12-31 00:00,{e[1]},{a[1]},Modem,5",         # placeholder date
        f"T3,Commented,1600-01-01,{e[2]},{a[2]},Router,3",              # placeholder date
        f"T3,Commented,yesterday,{e[3]},{a[0]},Router,3",               # no date at all
        f"T4,Commented",                                                # a row cut short
        f",New,2024-03-12 09:00,{e[4]},{a[2]},Modem,2",                 # missing ticket id
        f"T5,New,2024-03-12 09:00, {e[4]} , {a[2]} ,Modem,good",        # spaces; text as the score
        f"T5,New,2024-03-12 09:00, {e[4]} , {a[2]} ,Modem,good",        # exact duplicate
        f"T5,Closed,2024-03-12 08:00,{e[3]},NULL,Modem,1",              # out of order; a placeholder agent
        f"T6,New,2024-03-13 09:00,NULL,{a[0]},Router,4",                # a placeholder customer
        f"T6,Closed,2024-03-13 10:00,{e[3]},{a[0]},Modem,4",            # a case attribute that varies
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


MAPPING = f"""\
case: {{id: ticket, customer: email}}
activity: status
timestamp: {{column: at}}
resource: agent
attributes: {{csat: score}}
case_attributes: {{product: product}}
pseudonymize: {{columns: [email, agent], key_env: {KEY_ENV}}}
"""


@pytest.fixture()
def export(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.setenv("JOURNEYMINING_PROGRESS", "0")
    src = tmp_path / "input"
    src.mkdir()
    tickets = _export(src / "tickets.csv")
    mapping = src / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return tickets, mapping


def _texts(path):
    """Every piece of text in a written file (decoded), with the SVG/PNG data URIs of HTML decoded."""
    name = path.name.lower()
    data = path.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
        name = name[:-3]
    if name.endswith(".parquet"):
        frame = pd.read_parquet(path)
        yield frame.to_csv(index=False)
        yield " ".join(map(str, frame.columns))
        return
    if name.endswith((".sqlite", ".db")):
        with sqlite3.connect(path) as con:
            tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
            for table in tables:
                yield pd.read_sql_query(f'select * from "{table}"', con).to_csv(index=False)
        return
    if name.endswith((".xlsx", ".zip")):
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                yield z.read(member).decode("utf-8", "replace")
        return
    text = data.decode("utf-8", "replace")
    yield text
    for m in re.finditer(r"data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)", text):
        yield base64.b64decode(m.group(2)).decode("utf-8", "replace")


def _assert_no_raw_values(folder, *, outputs=""):
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    assert files, f"nothing written in {folder}"
    raw_values = EMAILS + AGENTS + FRAGMENTS
    for path in files:
        for text in _texts(path):
            lowered = text.lower()
            found = [v for v in raw_values if v.lower() in lowered]
            assert not found, f"raw value(s) {found} in {path.relative_to(folder)}"
    found = [v for v in raw_values if v.lower() in outputs.lower()]
    assert not found, f"raw value(s) {found} printed by the command"
    return files


def _pseudonyms(values, domain):
    return pseudonymize(pd.Series(values), KEY.encode(), domain=domain).tolist()


@pytest.mark.parametrize("suffix", ["log.csv", "log.parquet", "log.xes", "log.xes.gz", "log.jsonl",
                                    "log.ocel.json", "log.ocel.sqlite", "log.ocel.xml"])
def test_convert_writes_no_raw_value(export, tmp_path, capsys, suffix):
    tickets, mapping = export
    out = tmp_path / "out"
    code = main(["convert", str(tickets), "--mapping", str(mapping), "--out", str(out / suffix)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    files = _assert_no_raw_values(out, outputs=printed.out + printed.err)
    names = {p.name for p in files}
    assert {suffix, "log.rejected.csv", "log.quality.csv"} <= names
    # the pseudonyms are there, with the log's key and domains
    everything = "".join(t for p in files for t in _texts(p))
    for pseudonym in _pseudonyms(EMAILS[:3], "email") + _pseudonyms(AGENTS, "agent"):
        assert pseudonym in everything


def test_customer_journeys_write_no_raw_value(export, tmp_path, capsys):
    tickets, mapping = export
    mapping.write_text(MAPPING.replace("customer: email}", "customer: email, notion: customer, gap: 30d}"),
                       encoding="utf-8")
    out = tmp_path / "out"
    code = main(["convert", str(tickets), "--mapping", str(mapping), "--out", str(out / "log.csv")])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    _assert_no_raw_values(out, outputs=printed.out + printed.err)
    issues = pd.read_csv(out / "log.quality.csv", dtype=str, keep_default_na=False)
    assert "placeholder_id" in set(issues["check"])


def test_rejected_rows_and_issues_carry_the_pseudonyms(export, tmp_path, capsys):
    tickets, mapping = export
    out = tmp_path / "out"
    assert main(["convert", str(tickets), "--mapping", str(mapping), "--out", str(out / "log.csv")]) == 0
    capsys.readouterr()
    rejected = pd.read_csv(out / "log.rejected.csv", dtype=str, keep_default_na=False)
    issues = pd.read_csv(out / "log.quality.csv", dtype=str, keep_default_na=False)
    reasons = set(rejected["reason"])
    assert {"missing_timestamp", "implausible_timestamp", "unparseable_timestamp", "missing_case_id"} <= reasons
    by_row = rejected.set_index("row")
    # row 16 is T1's comment without a timestamp: the same pseudonyms as T1's events in the log
    log = pd.read_csv(out / "log.csv", dtype=str, keep_default_na=False)
    t1 = log[log["ticket"] == "T1"].iloc[0]
    assert by_row.loc["16", "email"] == t1["case:customer"] == _pseudonyms([EMAILS[0]], "email")[0]
    assert by_row.loc["16", "agent"] == t1["org:resource"] == _pseudonyms([AGENTS[0]], "agent")[0]
    # the row cut short is quarantined with empty cells, not echoed
    assert by_row.loc["20", "reason"] == "missing_timestamp"
    # no value of the issues names a raw value; the pseudonymised columns' issues show pseudonyms or a marker
    assert set(issues["check"]) >= {"whitespace", "exact_duplicate", "not_a_number", "out_of_order",
                                    "case_attribute_varies"}


def test_analyze_writes_no_raw_value(export, tmp_path, capsys):
    tickets, mapping = export
    out = tmp_path / "report"
    code = main(["analyze", str(tickets), "--mapping", str(mapping), "--out", str(out), "--no-alignments"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    files = _assert_no_raw_values(out, outputs=printed.out + printed.err)
    names = {p.name for p in files}
    assert "index.html" in names and "summary.json" in names
    assert any(n.endswith(".csv") for n in names)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "data:image/svg+xml;base64," in html or "<svg" in html


def test_a_broken_json_line_is_not_echoed(export, tmp_path, capsys):
    _, mapping = export
    lines = tmp_path / "input" / "tickets.jsonl"
    lines.write_text('{"ticket": "T1", "status": "New", "at": "2024-03-01 09:00", "email": "%s", "agent": "%s", '
                     '"product": "Router", "score": "4"}\n{"ticket": "T1", "status": "Closed", "email": "%s", '
                     '"agent": "%s"\n' % (EMAILS[0], AGENTS[0], EMAILS[1], AGENTS[1]), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["convert", str(lines), "--mapping", str(mapping), "--out", str(out / "log.csv")])
    printed = capsys.readouterr()
    assert code == 2
    assert "line 2" in printed.err and "not valid JSON" in printed.err
    assert not [v for v in EMAILS + AGENTS if v in printed.out + printed.err]
