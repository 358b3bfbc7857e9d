"""Dotted chart and handover-of-work network: hand-computed handovers, figures outside pyplot."""

import pandas as pd
import pytest

from journeymining.viz.charts import (
    handover_table,
    plot_channel_flow,
    plot_dotted_chart,
    plot_handover_network,
)
from journeymining.core.errors import EventLogError

CASE, ACT, TIME, GROUP = "case:concept:name", "concept:name", "time:timestamp", "org:group"

# c1: desk, desk, backoffice, (no group), desk -> desk→backoffice, backoffice→desk (the event
# without a group is skipped); c2: backoffice, desk -> backoffice→desk; c3: desk only.
# Rows of c1 are given out of time order.
ROWS = [("c1", "Open", "09:00", "desk"), ("c1", "Fix", "11:00", "backoffice"),
        ("c1", "Triage", "10:00", "desk"), ("c1", "Wait", "12:00", None),
        ("c1", "Close", "13:00", "desk"),
        ("c2", "Open", "09:30", "backoffice"), ("c2", "Close", "10:30", "desk"),
        ("c3", "Open", "08:00", "desk")]


def make_log():
    log = pd.DataFrame(ROWS, columns=[CASE, ACT, TIME, GROUP])
    log[TIME] = pd.to_datetime("2024-03-01 " + log[TIME], utc=True)
    return log


def test_handover_table_by_hand():
    table = handover_table(make_log())
    assert table.values.tolist() == [["backoffice", "desk", 2, 2], ["desk", "backoffice", 1, 1]]
    assert list(table.columns) == ["source", "target", "handovers", "cases"]


def test_figures_are_not_registered_with_pyplot():
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    before = plt.get_fignums()
    for fig in (plot_dotted_chart(make_log()), plot_dotted_chart(make_log(), relative=True,
                                                                 color_key=GROUP),
                plot_handover_network(make_log())):
        assert isinstance(fig, Figure)
    assert plt.get_fignums() == before
    net = plot_handover_network(make_log())
    texts = {t.get_text() for t in net.axes[0].texts}
    # desk has 5 events, backoffice 2; the two pairs are labelled 2 and 1
    assert {"desk\n5 events", "backoffice\n2 events", "2", "1"} <= texts
    dotted = plot_dotted_chart(make_log())
    assert dotted.axes[0].get_ylabel() == "case (n = 3, earliest first)"
    assert sorted(t.get_text() for t in dotted.axes[0].get_legend().get_texts()) == [
        "Close", "Fix", "Open", "Triage", "Wait"]


def test_chart_errors():
    with pytest.raises(EventLogError, match=r"no column 'org:resource'"):
        handover_table(make_log(), resource_key="org:resource")
    with pytest.raises(EventLogError, match=r"no column 'channel'"):
        plot_dotted_chart(make_log(), color_key="channel")
    with pytest.raises(EventLogError, match=r"the event log is empty"):
        plot_dotted_chart(make_log().iloc[:0])


def test_channel_flow_counts_switches():
    # channels: c1 phone, phone, chat, (none), phone; c2 chat, phone; c3 phone: switches
    # phone→chat 1 (c1), chat→phone 2 (c1 and c2)
    log = make_log().rename(columns={GROUP: "channel"}).replace(
        {"channel": {"desk": "phone", "backoffice": "chat"}})
    fig = plot_channel_flow(log)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"phone\n1", "chat\n2", "phone\n2", "chat\n1"} <= texts
    assert "(3 switches)" in fig.axes[0].get_title(loc="left")
    quiet = plot_channel_flow(log.assign(channel="phone"))
    assert {t.get_text() for t in quiet.axes[0].texts} == {"no case changes channel"}
    with pytest.raises(EventLogError, match=r"no column 'channel'"):
        plot_channel_flow(make_log())
