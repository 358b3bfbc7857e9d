"""Process models of the actual journeys: :class:`JourneyModel`, the inductive and heuristics
miners, and BPMN.

pm4py discovers the models on the *variant-level* log (each distinct path once with its number
of cases, from :func:`journeymining.discover.variants.variant_log`), so their cost grows with the
number of variants, not with the number of cases. For the inductive miner the tree is the one
pm4py's ``discover_process_tree_inductive`` finds on the full log.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.discover.variants import variant_log

__all__ = ["JourneyModel", "discover_journey", "discover_bpmn"]


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
        The thresholds used.
    n_variants, n_cases : int
        Size of the variant-level log the model was discovered from.
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


def discover_journey(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                     timestamp_key=C.TIMESTAMP, algorithm="inductive", noise_threshold=0.2,
                     dependency_threshold=0.5, and_threshold=0.65, loop_two_threshold=0.5):
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
        If ``algorithm`` is unknown or a threshold is outside [0, 1].

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
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"discover_journey: algorithm={algorithm!r} is not one of {_ALGORITHMS}.")
    for name, value in (("noise_threshold", noise_threshold),
                        ("dependency_threshold", dependency_threshold),
                        ("and_threshold", and_threshold),
                        ("loop_two_threshold", loop_two_threshold)):
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"discover_journey: {name}={value!r} must be a number in [0, 1].")
    uvcl = variant_log(log, case_id_key, activity_key, timestamp_key, "discover_journey")
    n_cases = sum(uvcl.values())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if algorithm == "inductive":
            from pm4py.algo.discovery.inductive import algorithm as inductive_miner
            from pm4py.objects.conversion.process_tree import converter as pt_converter

            from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
            from pm4py.objects.process_tree.utils import generic as pt_util

            # what inductive_miner.apply does after computing the variants of a log
            parameters = {"noise_threshold": noise_threshold, "multiprocessing": False,
                          "disable_fallthroughs": False}
            miner = (inductive_miner.IMFUVCL if noise_threshold > 0
                     else inductive_miner.IMUVCL)(parameters)
            tree = miner.apply(IMDataStructureUVCL(uvcl), parameters)
            tree = pt_util.fold(tree)
            pt_util.tree_sort(tree)
            net, im, fm = pt_converter.apply(tree)
            return JourneyModel("inductive", net, im, fm, process_tree=tree,
                                parameters={"noise_threshold": noise_threshold},
                                n_variants=len(uvcl), n_cases=n_cases)
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
