"""Drift over time: did the journey change from one period to the next?

Cases are bucketed by the period of their start. Each period with at least ``min_cases`` closed
cases is compared with the previous such period:

distance
    Jensen-Shannon distance (base 2, 0 = same, 1 = disjoint) of the directly-follows edge
    frequencies (every occurrence of an edge counts) and, reported alongside, of the variant
    shares.
calibration
    the edge distance of two samples of the *same* distribution is not 0 and shrinks with the
    sample size (about 0.2 at 30 cases per period), so a fixed threshold fires on noise. The
    p-value of a period pair is a permutation test: the period labels of the cases of the two
    periods are permuted ``n_permutations`` times (seeded) and the distance re-computed;
    ``p = (1 + #{permuted distance >= observed}) / (1 + n_permutations)``. The pairs share
    periods, so their p-values are adjusted with Benjamini-Yekutieli (``correction="by"``,
    valid under dependence; ``"bh"`` offered).
change point
    adjusted p < ``alpha`` *and* edge distance >= ``min_distance`` (significant and large enough
    to matter).
right-censoring
    a case still open when the log was extracted has an incomplete path and a too-short
    throughput time. A case is **open** when its last event lies within ``open_window`` of the
    log's last event and, when ``goal`` is given, it has not reached a goal activity (without a
    goal, every case ending in that window is open). The default window is the 95th percentile
    of the log's gaps between consecutive events of a case. Open cases are counted
    (``open_cases``) and excluded from the drift test and from the per-period throughput (the
    choice is also stated in ``DataFrame.attrs["censoring"]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.measure.cohorts import variants_and_edges
from journeymining.core.errors import EventLogError
from journeymining.core.eventlog import HOUR_NS as _HOUR_NS
from journeymining.core.eventlog import SortedLog as _Prepared
from journeymining.measure.kpis import parse_duration_hours as parse_duration

from journeymining.measure.stats import CORRECTIONS, adjust_p_values, random_generator

_PERIODS = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y"}

__all__ = ["detect_drift", "open_cases"]


def _js_rows(P, Q):
    """Jensen-Shannon distance (base 2) between the rows of two count matrices."""
    P = P / np.maximum(P.sum(axis=1, keepdims=True), 1e-300)
    Q = Q / np.maximum(Q.sum(axis=1, keepdims=True), 1e-300)
    M = (P + Q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kp = np.where(P > 0, P * np.log2(P / M), 0.0).sum(axis=1)
        kq = np.where(Q > 0, Q * np.log2(Q / M), 0.0).sum(axis=1)
    return np.sqrt(np.clip((kp + kq) / 2, 0, None))


def _permutation_distance(X, in_first, n_permutations, rng):
    """Observed JS distance between the two groups of rows of ``X`` and its permutation p-value."""
    X = np.asarray(X, dtype="float64")
    total = X.sum(axis=0)
    first = X[in_first].sum(axis=0)
    obs = float(_js_rows(first[None], (total - first)[None])[0])
    n, k = len(X), int(in_first.sum())
    hits = 0
    chunk = int(max(1, min(500, 2_000_000 // max(n, 1))))   # at most ~16 MB per chunk
    for lo in range(0, n_permutations, chunk):
        r = min(chunk, n_permutations - lo)
        order = np.argsort(rng.random((r, n)), axis=1)[:, :k]
        L = np.zeros((r, n))
        np.put_along_axis(L, order, 1.0, axis=1)
        s1 = L @ X
        d = _js_rows(s1, total[None] - s1)
        hits += int((d >= obs - 1e-12).sum())
    return obs, (1 + hits) / (1 + n_permutations)


def _still_open(log, keys, goal, open_window):
    """Per case (first-appearance order): right-censored by the journey definitions, the window
    used (ns) and how it was chosen."""
    from journeymining.measure.definitions import case_measures
    from journeymining.measure.settings import JourneySettings

    given = not (open_window is None or (isinstance(open_window, str) and open_window == "auto"))
    if given:
        parse_duration(open_window, parameter="open_window")
    m = case_measures(log, JourneySettings.from_map(goal=goal, open_window=open_window if given else None), **keys)
    how = "given" if given else "95th percentile of within-case gaps"
    return m.cases["still_open"].to_numpy(dtype=bool), float(m.open_window.value), how


def open_cases(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
               goal=None, open_window="auto"):
    """Flag the cases that were probably still open when the log was extracted (right-censored).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log.
    {keys}
    goal : str or list of str, optional
        Goal activities; a case that reached one is closed wherever it ends.
    open_window : "auto", str or Timedelta, default "auto"
        A case whose last event is within this time of the log's last event is open (unless it
        reached ``goal``). ``"auto"``: the 95th percentile of the gaps between consecutive
        events of a case.

    Returns
    -------
    pandas.Series
        Bool per case (indexed by case id, order of first appearance), ``attrs["open_window"]``
        the window used as a Timedelta.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2024-01-01", tz="UTC")
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b", "b", "c"],
    ...                     "concept:name": ["Open", "Close", "Open", "Close", "Open"],
    ...                     "time:timestamp": [t, t + pd.Timedelta("1h"), t + pd.Timedelta("5h"),
    ...                                        t + pd.Timedelta("6h"), t + pd.Timedelta("6h")]})
    >>> open_cases(log, goal="Close").tolist()     # window 1 h; b closed, c open
    [False, False, True]
    >>> open_cases(log).tolist()                   # no goal: every case ending in the window
    [False, True, True]
    """
    p = _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="open_cases")
    mask, window, _ = _still_open(log, dict(case_id_key=case_id_key, activity_key=activity_key,
                                            timestamp_key=timestamp_key), goal, open_window)
    out = pd.Series(mask, index=pd.Index(p.cases, name=case_id_key), name="open")
    out.attrs["open_window"] = pd.Timedelta(int(window), "ns")
    return out


def detect_drift(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                 freq="M", alpha=0.01, min_distance=0.1, min_cases=30, n_permutations=1999,
                 correction="by", goal=None, open_window="auto", random_state=0):
    """Find when the journey changed: calibrated distances between consecutive periods.

    The procedure (distance, permutation calibration, change-point rule, right-censoring) is
    in the module docstring (:mod:`journeymining.measure.drift`).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log.
    {keys}
    freq : {{"D", "W", "M", "Q", "Y"}}, default "M"
        Period of the case start used to bucket cases.
    alpha : float, default 0.01
        Significance level after adjustment.
    min_distance : float, default 0.1
        Smallest edge distance (0-1) that counts as a change (effect size floor; the test
        itself is the permutation p-value).
    min_cases : int, default 30
        Periods with fewer closed cases are listed but not compared (their distances are NaN).
    n_permutations : int, default 1999
        Permutations of the period labels per period pair. The smallest p-value is
        ``1 / (1 + n_permutations)``: keep it well below ``alpha`` divided by the number of
        pairs.
    correction : {{"by", "bh"}}, default "by"
        Adjustment over the period pairs (Benjamini-Yekutieli / Benjamini-Hochberg).
    goal : str or list of str, optional
        Goal activities for the censoring rule (see :func:`open_cases`).
    open_window : "auto", str or Timedelta, default "auto"
        See :func:`open_cases`.
    random_state : int, numpy Generator or None, default 0
        Seed of the permutations.

    Returns
    -------
    pandas.DataFrame
        One row per period with cases: ``period``, ``cases`` (started in the period),
        ``open_cases`` (right-censored, excluded), ``closed_cases``, ``variants``,
        ``throughput_median_h`` (closed cases only), ``compared_to``, ``variant_distance``,
        ``edge_distance``, ``p_value`` (permutation), ``p_adjusted``, ``change``.
        ``attrs``: ``open_window`` (Timedelta), ``censoring`` (the rule in words),
        ``n_permutations``, ``correction``.

    Raises
    ------
    EventLogError
        When ``freq``, ``correction``, ``min_cases`` or ``n_permutations`` is invalid, or the
        log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = []
    >>> for month, path in [("2024-01", ["Open", "Close"]), ("2024-02", ["Open", "Close"]),
    ...                     ("2024-03", ["Open", "Wait", "Close"])]:
    ...     for i in range(40):
    ...         t0 = pd.Timestamp(month + "-02", tz="UTC") + pd.Timedelta(hours=i)
    ...         rows += [(f"{{month}}-{{i}}", a, t0 + pd.Timedelta(minutes=j)) for j, a in enumerate(path)]
    >>> log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    >>> detect_drift(log, goal="Close")[["period", "cases", "open_cases", "edge_distance", "change"]]
        period  cases  open_cases  edge_distance  change
    0  2024-01     40           0            NaN   False
    1  2024-02     40           0            0.0   False
    2  2024-03     40           0            1.0    True
    """
    if freq not in _PERIODS:
        raise EventLogError(
            f"detect_drift: freq={freq!r} is not a period. Use one of {list(_PERIODS)} "
            "(day, week, month, quarter, year of the case start)."
        )
    if correction not in CORRECTIONS:
        raise EventLogError(f"detect_drift: correction={correction!r} is not known; use 'by' "
                            "(Benjamini-Yekutieli) or 'bh' (Benjamini-Hochberg).")
    if not (isinstance(min_cases, (int, np.integer)) and not isinstance(min_cases, bool) and min_cases >= 2):
        raise EventLogError(f"detect_drift: min_cases={min_cases!r} must be an integer >= 2 "
                            "(closed cases a period needs to be compared), e.g. 30.")
    if not (isinstance(n_permutations, (int, np.integer)) and not isinstance(n_permutations, bool)
            and n_permutations >= 1):
        raise EventLogError(f"detect_drift: n_permutations={n_permutations!r} must be a positive "
                            "integer, e.g. 1999.")
    p = _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="detect_drift")
    rng = random_generator(random_state)
    is_open, window, how = _still_open(log, dict(case_id_key=case_id_key, activity_key=activity_key,
                                                 timestamp_key=timestamp_key), goal, open_window)
    variants, edges = variants_and_edges(p)
    start = pd.DatetimeIndex(p.start.view("datetime64[ns]"))
    period = start.to_period(_PERIODS[freq]).astype(str).to_numpy(dtype=object)
    v_codes, _ = pd.factorize(pd.Series(variants, dtype=object))
    edge_key = pd.Series(list(zip(edges["source"], edges["target"])), dtype=object)
    e_codes, e_names = pd.factorize(edge_key) if len(edges) else (np.zeros(0, int), [])
    e_case = edges["c"].to_numpy()
    throughput = (p.end - p.start) / _HOUR_NS
    rows, prev = [], None
    for per in sorted(set(period)):
        members = np.flatnonzero((period == per) & ~is_open)
        n_all = int((period == per).sum())
        row = {"period": per, "cases": n_all, "open_cases": n_all - len(members),
               "closed_cases": len(members), "variants": len(np.unique(v_codes[members])),
               "throughput_median_h": float(np.median(throughput[members])) if len(members) else np.nan,
               "compared_to": None, "variant_distance": np.nan, "edge_distance": np.nan,
               "p_value": np.nan}
        if len(members) >= min_cases:
            if prev is not None:
                both = np.concatenate([prev[1], members])
                local = {c: i for i, c in enumerate(both)}
                in_first = np.zeros(len(both), bool)
                in_first[: len(prev[1])] = True
                sel = np.isin(e_case, both)
                used, inv = np.unique(e_codes[sel], return_inverse=True)
                X = np.zeros((len(both), len(used)))
                np.add.at(X, (np.array([local[c] for c in e_case[sel]], dtype=int), inv), 1.0)
                vu, vinv = np.unique(v_codes[both], return_inverse=True)
                V = np.zeros((len(both), len(vu)))
                V[np.arange(len(both)), vinv] = 1.0
                vd = float(_js_rows(V[in_first].sum(0)[None], V[~in_first].sum(0)[None])[0])
                if X.shape[1] == 0:
                    ed, pv = np.nan, np.nan
                else:
                    ed, pv = _permutation_distance(X, in_first, int(n_permutations), rng)
                row.update(compared_to=prev[0], variant_distance=vd, edge_distance=ed, p_value=pv)
            prev = (per, members)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["period", "cases", "open_cases", "closed_cases", "variants",
                                      "throughput_median_h", "compared_to", "variant_distance",
                                      "edge_distance", "p_value"])
    out["p_adjusted"] = adjust_p_values(out["p_value"].to_numpy(), correction)
    out["change"] = ((out["p_adjusted"] < alpha) & (out["edge_distance"] >= min_distance)).fillna(False)
    out["change"] = out["change"].astype(bool)
    rule = ("cases whose last event is within the open window of the log's last event"
            + (f" and that did not reach the goal {goal!r}" if goal is not None else "")
            + " are open (right-censored): counted in open_cases, excluded from the drift test and"
              " from throughput_median_h")
    out.attrs.update(open_window=pd.Timedelta(int(window), "ns"), open_window_rule=how,
                     censoring=rule, n_permutations=int(n_permutations), correction=correction)
    return out


fill_docstrings(detect_drift, unescape_braces=True)
fill_docstrings(open_cases)
