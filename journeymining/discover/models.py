"""Process models of the actual journeys: :class:`JourneyModel`, the inductive and heuristics
miners, and BPMN.

pm4py discovers the models on the *variant-level* log (each distinct path once with its number
of cases, from :func:`journeymining.discover.variants.variant_log`), so their cost grows with the
number of variants, not with the number of cases. For the inductive miner the tree is the one
pm4py's ``discover_process_tree_inductive`` finds on the full log.

The inductive miner's work grows faster than linearly with the length of a variant (a single ticket
of 20,000 events took 23 s, of 100,000 events about 300 s), so variants longer than
``max_variant_length`` events (:data:`MAX_VARIANT_LENGTH` by default) are cut to their first
``max_variant_length`` events for the miner only; the model's ``parameters`` and ``warnings`` (a
:class:`DiscoveryLimitWarning`) say how many variants and events were cut. Variants, the
directly-follows graph and every measure always use the whole log.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.discover.variants import variant_log

__all__ = ["JourneyModel", "discover_journey", "discover_journey_variants", "discover_bpmn", "DiscoveryLimitWarning", "MAX_VARIANT_LENGTH"]

#: longest variant (in events) the inductive miner sees; longer ones are cut to this many events
MAX_VARIANT_LENGTH = 1_000


class DiscoveryLimitWarning(UserWarning):
    """A documented limit of discovery was applied (e.g. long variants cut for the inductive miner).

    Attributes
    ----------
    limit : str
        The parameter that was applied (``"max_variant_length"``).
    value : int
        Its value.
    variants, cases, events_left_out : int
        Variants cut, the cases they stand for, and the events (per variant, summed) the miner
        did not see.
    """

    def __init__(self, message, *, limit, value, variants, cases, events_left_out):
        super().__init__(message)
        self.limit = limit
        self.value = value
        self.variants = variants
        self.cases = cases
        self.events_left_out = events_left_out


@dataclass
class JourneyModel:
    """A process model of the actual journeys, discovered by :func:`discover_journey`.

    Attributes
    ----------
    algorithm : str
        ``"inductive"`` or ``"heuristics"``.
    net, initial_marking, final_marking
        The accepting Petri net (pm4py objects); for the heuristics miner, the net converted
        from the heuristics net.
    process_tree : pm4py.objects.process_tree.obj.ProcessTree or None
        The process tree (inductive miner only).
    heuristics_net : pm4py.objects.heuristics_net.obj.HeuristicsNet or None
        The heuristics net (heuristics miner only).
    parameters : dict
        The thresholds and limits used (``max_variant_length`` for the inductive miner, and
        ``variants_cut`` when some variant was longer).
    n_variants, n_cases : int
        Size of the variant-level log the model was discovered from.
    warnings : tuple of DiscoveryLimitWarning
        The limits that changed what the miner saw (empty when none did); the pipeline shows them
        in the report's notes.
    """

    algorithm: str
    net: Any
    initial_marking: Any
    final_marking: Any
    process_tree: Any = None
    heuristics_net: Any = None
    parameters: dict = field(default_factory=dict)
    n_variants: int = 0
    n_cases: int = 0
    warnings: tuple = ()

    def to_bpmn(self):
        """The model as a pm4py BPMN object (from the process tree, else from the Petri net)."""
        import pm4py

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.process_tree is not None:
                return pm4py.convert_to_bpmn(self.process_tree)
            return pm4py.convert_to_bpmn(self.net, self.initial_marking, self.final_marking)

    def __repr__(self):
        n_t = len(self.net.transitions) if self.net is not None else 0
        n_p = len(self.net.places) if self.net is not None else 0
        return (f"JourneyModel(algorithm={self.algorithm!r}, parameters={self.parameters}, "
                f"{self.n_variants} variants / {self.n_cases} cases, "
                f"Petri net with {n_p} places and {n_t} transitions)")

    def _repr_mimebundle_(self, include=None, exclude=None):
        from journeymining.viz import GraphvizNotFoundError, render

        try:
            return render(self)._repr_mimebundle_(include, exclude)
        except GraphvizNotFoundError:
            return None



def _heuristics_inputs(uvcl):
    """The counts pm4py's heuristics miner needs, computed once per variant, weighted by cases."""
    dfg, dfg2, triples = Counter(), Counter(), Counter()
    acts, start, end = Counter(), Counter(), Counter()
    for trace, count in uvcl.items():
        if not trace:
            continue
        start[trace[0]] += count
        end[trace[-1]] += count
        for a in trace:
            acts[a] += count
        for a, b in zip(trace, trace[1:]):
            dfg[(a, b)] += count
        for a, b in zip(trace, trace[2:]):
            dfg2[(a, b)] += count
        for a, b, c in zip(trace, trace[1:], trace[2:]):
            triples[(a, b, c)] += count
    return dict(dfg=dict(dfg), dfg_window_2=dict(dfg2), freq_triples=dict(triples),
                activities=list(acts), activities_occurrences=dict(acts),
                start_activities=dict(start), end_activities=dict(end))


_ALGORITHMS = ("inductive", "heuristics")


def _cut_long_variants(uvcl, max_length):
    """The variant log with every variant cut to its first ``max_length`` events, and a warning or None.

    Cut variants that become equal (same first events) are merged, their cases added.
    """
    long = {trace: count for trace, count in uvcl.items() if len(trace) > max_length}
    if not long:
        return uvcl, None
    cut = Counter()
    for trace, count in uvcl.items():
        cut[trace[:max_length]] += count
    cases = sum(long.values())
    left_out = sum(len(trace) - max_length for trace in long)
    longest = max(len(trace) for trace in long)
    warning = DiscoveryLimitWarning(
        f"discovery: {len(long):,} variant(s) ({cases:,} case(s)) are longer than max_variant_length="
        f"{max_length:,} events (the longest has {longest:,}); the inductive miner saw only their first "
        f"{max_length:,} events ({left_out:,} events per variant left out), so the model's end is not theirs. "
        "Variants, the directly-follows graph and the measures use the whole log. Raise the limit with "
        "discover_journey(..., max_variant_length=N) (the miner's time grows faster than the length), or "
        "split such cases.",
        limit="max_variant_length", value=max_length, variants=len(long), cases=cases, events_left_out=left_out)
    return dict(cut), warning


def discover_journey(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                     timestamp_key=C.TIMESTAMP, algorithm="inductive", noise_threshold=0.2,
                     dependency_threshold=0.5, and_threshold=0.65, loop_two_threshold=0.5,
                     max_variant_length=MAX_VARIANT_LENGTH):
    """Discover a process model of the actual journeys with pm4py.

    pm4py runs on the variant-level log (each distinct path once, with its number of cases), so
    the cost grows with the number of variants, not of cases. For the inductive miner the result
    is the same tree pm4py's ``discover_process_tree_inductive`` finds on the full log.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    {keys}
    algorithm : {{"inductive", "heuristics"}}, default "inductive"
        Inductive miner (infrequent variant, IMf, when ``noise_threshold > 0``) giving a sound
        process tree, or heuristics miner giving a heuristics net.
    noise_threshold : float, default 0.2
        Inductive miner: share of infrequent behaviour filtered out (0 keeps everything).
    dependency_threshold, and_threshold, loop_two_threshold : float
        Heuristics miner thresholds (pm4py's defaults 0.5, 0.65, 0.5).
    max_variant_length : int or None, default MAX_VARIANT_LENGTH (1,000)
        Inductive miner: variants longer than this many events are cut to their first
        ``max_variant_length`` events (its time grows faster than the length of a variant: one
        ticket of 100,000 events took about 300 s uncut). The cut is recorded in the model's
        ``parameters`` and ``warnings`` and issued as a :class:`DiscoveryLimitWarning`. ``None``
        cuts nothing. The heuristics miner (linear in the events) always sees whole variants.

    Returns
    -------
    JourneyModel
        With the Petri net, and the process tree or the heuristics net; ``.to_bpmn()`` converts
        it; :func:`journeymining.viz.rendering.render` draws it.

    Raises
    ------
    EventLogError
        As :func:`variant_table`.
    ValueError
        If ``algorithm`` is unknown, a threshold is outside [0, 1] or ``max_variant_length`` is
        not a positive whole number.

    Warns
    -----
    DiscoveryLimitWarning
        When some variant was cut to ``max_variant_length`` events.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "b"],
    ...     "concept:name": ["Chat", "Resolve", "Chat", "Escalate", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03",
    ...                                       "2024-05-04", "2024-05-05"], utc=True),
    ... })
    >>> model = discover_journey(log, noise_threshold=0.0)
    >>> print(model.process_tree)
    ->( 'Chat', X( tau, 'Escalate' ), 'Resolve' )
    """
    _check_parameters(algorithm, noise_threshold, dependency_threshold, and_threshold, loop_two_threshold,
                      max_variant_length)
    uvcl = variant_log(log, case_id_key, activity_key, timestamp_key, "discover_journey")
    return _discover_uvcl(uvcl, algorithm, noise_threshold, dependency_threshold, and_threshold,
                          loop_two_threshold, max_variant_length)


def discover_journey_variants(variants, *, algorithm="inductive", noise_threshold=0.2, dependency_threshold=0.5,
                              and_threshold=0.65, loop_two_threshold=0.5, max_variant_length=MAX_VARIANT_LENGTH):
    """:func:`discover_journey` from a variant table instead of an event log.

    ``variants`` is a table as :func:`journeymining.discover.variant_table` or
    :meth:`journeymining.engine.EngineLog.variants` return it (columns ``activities`` and
    ``cases``): the model equals ``discover_journey(log)`` on the log behind it, without the log.
    Parameters and results as :func:`discover_journey`.

    Raises
    ------
    EventLogError
        If ``variants`` is not a DataFrame with columns ``activities`` (tuples) and ``cases``.
    ValueError
        As :func:`discover_journey`.
    """
    import pandas as pd

    from journeymining.core.errors import EventLogError

    if not isinstance(variants, pd.DataFrame) or not {"activities", "cases"} <= set(variants.columns):
        columns = list(variants.columns) if isinstance(variants, pd.DataFrame) else type(variants).__name__
        raise EventLogError(
            f"discover_journey_variants needs a variant table with columns 'activities' and 'cases' (got {columns}). "
            "Make one with journeymining.discover.variant_table(log) or EngineLog.variants().")
    _check_parameters(algorithm, noise_threshold, dependency_threshold, and_threshold, loop_two_threshold,
                      max_variant_length)
    uvcl = Counter({tuple(acts): int(n) for acts, n in zip(variants["activities"], variants["cases"])})
    return _discover_uvcl(uvcl, algorithm, noise_threshold, dependency_threshold, and_threshold,
                          loop_two_threshold, max_variant_length)


def _discover_uvcl(uvcl, algorithm, noise_threshold, dependency_threshold, and_threshold, loop_two_threshold,
                   max_variant_length):
    """The model of a variant-level log (pm4py's UVCL: Counter {activity tuple: cases})."""
    n_cases = sum(uvcl.values())
    if algorithm == "inductive":
        model = _inductive(uvcl, n_cases, noise_threshold, max_variant_length)
        for w in model.warnings:
            warnings.warn(w, stacklevel=3)
        return model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pm4py.algo.discovery.heuristics.variants import classic as heuristics_miner
        from pm4py.objects.conversion.heuristics_net import converter as hn_converter

        inputs = _heuristics_inputs(uvcl)
        heu_params = {heuristics_miner.Parameters.DEPENDENCY_THRESH: dependency_threshold,
                      heuristics_miner.Parameters.AND_MEASURE_THRESH: and_threshold,
                      heuristics_miner.Parameters.LOOP_LENGTH_TWO_THRESH: loop_two_threshold}
        heu_net = heuristics_miner.apply_heu_dfg(inputs.pop("dfg"), parameters=heu_params,
                                                 **inputs)
        net, im, fm = hn_converter.apply(heu_net, parameters=heu_params)
        return JourneyModel("heuristics", net, im, fm, heuristics_net=heu_net,
                            parameters={"dependency_threshold": dependency_threshold,
                                        "and_threshold": and_threshold,
                                        "loop_two_threshold": loop_two_threshold},
                            n_variants=len(uvcl), n_cases=n_cases)


def _check_parameters(algorithm, noise_threshold, dependency_threshold, and_threshold, loop_two_threshold,
                      max_variant_length):
    """Raise ValueError for an unknown algorithm, a threshold outside [0, 1] or a bad length limit."""
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"discover_journey: algorithm={algorithm!r} is not one of {_ALGORITHMS}.")
    for name, value in (("noise_threshold", noise_threshold),
                        ("dependency_threshold", dependency_threshold),
                        ("and_threshold", and_threshold),
                        ("loop_two_threshold", loop_two_threshold)):
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"discover_journey: {name}={value!r} must be a number in [0, 1].")
    if max_variant_length is not None and (isinstance(max_variant_length, bool)
                                           or not isinstance(max_variant_length, int) or max_variant_length < 1):
        raise ValueError(f"discover_journey: max_variant_length={max_variant_length!r} must be a positive whole "
                         "number of events, or None for no limit.")


def _inductive(uvcl, n_cases, noise_threshold, max_variant_length):
    """The inductive miner on the variant log (long variants cut first); what pm4py's apply does."""
    from pm4py.algo.discovery.inductive import algorithm as inductive_miner
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.objects.conversion.process_tree import converter as pt_converter
    from pm4py.objects.process_tree.utils import generic as pt_util

    n_variants = len(uvcl)
    limits = {"max_variant_length": max_variant_length}
    found = ()
    if max_variant_length is not None:
        uvcl, warning = _cut_long_variants(uvcl, max_variant_length)
        if warning is not None:
            limits["variants_cut"] = warning.variants
            found = (warning,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parameters = {"noise_threshold": noise_threshold, "multiprocessing": False,
                      "disable_fallthroughs": False}
        miner = (inductive_miner.IMFUVCL if noise_threshold > 0 else inductive_miner.IMUVCL)(parameters)
        tree = miner.apply(IMDataStructureUVCL(uvcl), parameters)
        tree = pt_util.fold(tree)
        pt_util.tree_sort(tree)
        net, im, fm = pt_converter.apply(tree)
    return JourneyModel("inductive", net, im, fm, process_tree=tree,
                        parameters={"noise_threshold": noise_threshold, **limits},
                        n_variants=n_variants, n_cases=n_cases, warnings=found)


def discover_bpmn(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                  algorithm="inductive", noise_threshold=0.2, dependency_threshold=0.5):
    """Discover a BPMN model of the actual journeys (``discover_journey(...).to_bpmn()``).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    {keys}
    algorithm, noise_threshold, dependency_threshold
        As :func:`discover_journey`.

    Returns
    -------
    pm4py.objects.bpmn.obj.BPMN
        The BPMN diagram (render it with :func:`journeymining.viz.rendering.render`).

    Raises
    ------
    EventLogError, ValueError
        As :func:`discover_journey`.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a"],
    ...     "concept:name": ["Chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02"], utc=True),
    ... })
    >>> bpmn = discover_bpmn(log)
    >>> sorted(n.get_name() for n in bpmn.get_nodes() if n.get_name() in ("Chat", "Resolve"))
    ['Chat', 'Resolve']
    """
    model = discover_journey(log, case_id_key=case_id_key, activity_key=activity_key,
                             timestamp_key=timestamp_key, algorithm=algorithm,
                             noise_threshold=noise_threshold,
                             dependency_threshold=dependency_threshold)
    return model.to_bpmn()


fill_docstrings(discover_journey, discover_bpmn, unescape_braces=True)
