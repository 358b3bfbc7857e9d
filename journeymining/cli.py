"""The ``journeymining`` command line.

Bad input ends with a one-paragraph message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from journeymining.core.errors import JourneyMiningError

EXIT_BAD_INPUT = 2


def _write_log(log, path):
    """Write the log in the format --out names (.csv, .parquet, .xes(.gz), .jsonl, .ocel.json/.sqlite/.xml)."""
    from journeymining.io.writers import write_log

    write_log(log, path)


def cmd_convert(args):
    """Convert a ticket export with a mapping; write the log, the rejected rows and the issues.

    Every file is written to a temporary name and renamed; an --out that is the input, or whose
    sidecars would overwrite the log, the input or a user's file, is refused before anything is read.
    """
    from journeymining.io import check_convert_outputs, safe_csv
    from journeymining.io import tickets_to_event_log
    from journeymining.io.writers import log_format

    out = Path(args.out)
    log_format(out, where="--out ")  # a name that says no format (or a plain .json) is refused before reading
    sidecars = check_convert_outputs([args.tickets, args.mapping], out)
    conv = tickets_to_event_log(args.tickets, args.mapping)
    if conv.log.empty:
        print(conv.report, file=sys.stderr)
        raise JourneyMiningError(
            f"no row of {args.tickets} could be converted ({conv.report.n_rows:,} rows read, all quarantined; "
            "reasons above). Check the mapping's timestamp format, activities.allowed and column choices.")
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_log(conv.log, out)
    rejected, issues = sidecars["rejected"], sidecars["quality"]
    safe_csv(conv.report.quarantined, rejected)
    safe_csv(conv.report.issues, issues)
    print(conv.report)
    print(f"wrote {out} ({len(conv.log):,} events, {conv.log['case:concept:name'].nunique():,} cases)")
    print(f"wrote {rejected} ({len(conv.report.quarantined):,} quarantined rows, with reasons)")
    print(f"wrote {issues} ({len(conv.report.issues):,} issues: row, column, check, value, outcome, action)")
    return 0


def cmd_discover(args):
    """Variants, DFG and models of an event log (or of tickets with --mapping), in pandas or an engine."""
    from journeymining.core.progress import step
    from journeymining.discover import discover_dfg, discover_journey_variants, variant_table
    from journeymining.pipeline import read_input
    from journeymining.viz import save, write_bpmn

    engine = getattr(args, "engine", None)
    if engine and getattr(args, "filter", None):
        raise JourneyMiningError(
            f"--filter is not available with --engine {engine} yet: filters run on the pandas log. Leave out --engine "
            "(the log then has to fit in memory), or filter the event log before (e.g. in DuckDB or Spark).")
    source, quality = args.events, None
    if args.mapping or not engine:
        source, quality, _ = read_input(args.events, args.mapping)
        if quality is not None:
            print(quality, file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if engine:
        from journeymining.engine import connect, scan

        step(f"reading {args.events} into {engine}")
        elog = scan(source, connect(engine), measures=False)   # variants and the DFG read the keys only
        variants = elog.variants()
        dfg = elog.dfg()
    else:
        log = _filtered(source, args)
        step("variants")
        variants = variant_table(log)
        step("directly-follows graph")
        dfg = discover_dfg(log)
    variants.drop(columns="activities").to_csv(out / "variants.csv")
    dfg.to_csv(out / "dfg.csv", index=False)
    save(dfg, out / "dfg_frequency.svg")
    save(dfg, out / "dfg_performance.svg", measure="performance")
    step(f"{args.algorithm} miner (noise {args.noise}) on {len(variants):,} variants")
    model = discover_journey_variants(variants, algorithm=args.algorithm, noise_threshold=args.noise)
    save(model, out / "model.svg")
    save(model.to_bpmn(), out / "model_bpmn.svg")
    write_bpmn(model, out / "model.bpmn")
    events = int((variants["length"] * variants["cases"]).sum())
    print(f"{events:,} events, {int(variants['cases'].sum()):,} cases, {len(variants):,} variants"
          + (f" (engine: {engine})" if engine else ""))
    for name in ("variants.csv", "dfg.csv", "dfg_frequency.svg", "dfg_performance.svg", "model.svg", "model_bpmn.svg",
                 "model.bpmn"):
        print(f"wrote {out / name}")
    return 0


def _filtered(log, args):
    """The log after the ``--filter`` expressions, each account printed on stderr."""
    if not getattr(args, "filter", None):
        return log
    from journeymining.filters import apply_filters, filter_account

    log = apply_filters(log, args.filter)
    for line in filter_account(log):
        print(f"filter: {line}", file=sys.stderr)
    if log.empty:
        raise JourneyMiningError("the --filter expressions removed every case: " + "; ".join(filter_account(log)))
    return log


def _settings(args, jm):
    from journeymining.measure import JourneySettings

    return JourneySettings.from_map(jm, goal=_names(getattr(args, "goal", None)),
                                    resolution=_names(getattr(args, "resolution", None)),
                                    contacts=_names(getattr(args, "contacts", None)),
                                    repeat_window=getattr(args, "repeat_window", "7d"),
                                    open_window=getattr(args, "open_window", None))


def cmd_compare(args):
    """Conformance of an event log to the intended map: summary.json, tables and figures."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from journeymining.conform import compare_to_map
    from journeymining.pipeline import load_journey_map, read_input

    jm = load_journey_map(args.map)
    log, _, _ = read_input(args.events, None)
    log = _filtered(log, args)
    res = compare_to_map(log, jm, time_budget=args.time_budget, n_jobs=args.jobs, settings=_settings(args, jm))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "summary.json"]
    summary = res.summary()
    written[0].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tables = {"deviations": res.deviations, "cases": res.cases, "variants": res.variants,
              "by_touchpoint": res.by_touchpoint, "by_stage": res.by_stage, "funnel": res.funnel,
              "break_points": res.break_points, "dfg_diff": res.dfg_diff}
    for name, t in tables.items():
        written.append(out / f"{name}.csv")
        t.to_csv(written[-1], index=name in ("variants", "by_touchpoint", "by_stage"))
    for name, fig in (("journey_map", res.plot_map()), ("dfg_diff", res.plot_dfg_diff())):
        for ext in ("png", "svg"):
            written.append(out / f"{name}.{ext}")
            fig.savefig(written[-1], dpi=130, bbox_inches="tight")
        plt.close(fig)
    goal = summary["deviations"]["drop_off"]
    print(f"{summary['cases']:,} cases against '{summary['journey_map']}': "
          f"{summary['conforming_cases']:,} conform, {summary['reached_goal']:.1%} reach the goal "
          f"({goal['cases']:,} dropped off)")
    print("  " + ", ".join(f"{k} {'n/a' if v is None else f'{v:.3f}'}" for k, v in summary["metrics"].items()))
    coverage = summary.get("map_coverage")
    if coverage is not None and coverage < 0.5:
        print(f"warning: only {coverage:.0%} of the events are touchpoints of the map: is it the right map, "
              "and does the mapping name activities as the map does?", file=sys.stderr)
    for kind, v in summary["deviations"].items():
        print(f"  {kind:<20}{v['cases']:>8,} cases ({v['share']:.1%})")
    for kind, why in summary["not_assessed"].items():
        print(f"  {kind:<20} n/a: {why}")
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_cluster(args):
    """Journeys grouped by path variant: labels, profiles, variants, criterion, scores, figures."""
    import numpy as np
    import pandas as pd

    from journeymining.core import columns as C
    from journeymining.core.progress import step
    from journeymining.cluster import (VariantClusterer, plot_cluster_maps, plot_cluster_sizes, plot_variant_embedding,
                             profile_clusters, score_clusters)
    from journeymining.pipeline import load_journey_map, read_input

    include = tuple(x.strip() for x in args.include.split(",") if x.strip())
    log, _, _ = read_input(args.events, None)
    log = _filtered(log, args)
    jm = load_journey_map(args.map)
    settings = _settings(args, jm)
    model = VariantClusterer(args.encoding, method=args.method, n_clusters=args.n_clusters,
                             binary=not args.counts, max_clusters=args.max_clusters, include=include,
                             random_state=args.random_state, settings=settings).fit(log)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    customer = (model.labels_.index.map(
        pd.Series(log[C.CUSTOMER].to_numpy()).groupby(log[C.CASE].to_numpy()).first())
        if C.CUSTOMER in log.columns else pd.Series(pd.NA, index=model.labels_.index))
    labels = pd.DataFrame({"case": model.labels_.index, "customer": np.asarray(customer, object),
                           "cluster": model.labels_.to_numpy()})
    written["labels"] = out / "labels.csv"
    labels.to_csv(written["labels"], index=False)
    profiles = model.cluster_profiles_
    if jm is not None:
        medoids = {c: model.variant_table_["activities"].iloc[m] for c, m in enumerate(model.medoids_)}
        profiles = profile_clusters(log, model.labels_, medoids=medoids, journey_map=jm, settings=settings)
    written["profiles"] = out / "profiles.csv"
    profiles.to_csv(written["profiles"])
    written["variants"] = out / "variants.csv"
    model.variant_table_.drop(columns=["activities"]).to_csv(written["variants"])
    written["criterion"] = out / "criterion.csv"
    model.criterion_.to_csv(written["criterion"], index=False)
    if args.score:
        step("scoring clusters")
        written["scores"] = out / "scores.csv"
        score_clusters(log, model.labels_, encoding=args.encoding, binary=not args.counts,
                       random_state=args.random_state).to_csv(written["scores"], index=False)
    if not args.no_figures:
        step("drawing figures")
        for name, fig in (("cluster_sizes", plot_cluster_sizes(profiles)),
                          ("cluster_maps", plot_cluster_maps(log, model.labels_)),
                          ("variant_embedding", plot_variant_embedding(model))):
            written[name] = out / f"{name}.png"
            fig.savefig(written[name], dpi=110)
    for path in written.values():
        print(f"wrote {path}")
    print(f"k={model.n_clusters_} clusters. {model.selection_note_}")
    if model.no_clear_groups_:
        print("note: the journeys do not form clear groups; read the clusters as a partition of convenience, "
              "not as distinct kinds of journey.")
    return 0


def cmd_analyze(args):
    from journeymining.pipeline import analyze

    result = analyze(args.tickets, args.mapping, journey_map=args.map, out_dir=args.out, goal=_names(args.goal),
                     resolution=_names(args.resolution), contacts=_names(args.contacts),
                     repeat_window=args.repeat_window, open_window=args.open_window,
                     alignments=not args.no_alignments, time_budget=args.time_budget, filters=args.filter,
                     overwrite=args.overwrite)
    for c in __import__("journeymining.report.analysis", fromlist=["headline"]).headline(result):
        print(f"  {c['label']:<32} {c['text']:>10}" + (f"   (n/a: {c['n/a because']})" if c["value"] is None else ""))
    print(f"wrote {result.index}")
    return 0


def cmd_kpis(args):
    """Journey KPIs (overall, by month, by channel) with their definitions, in pandas or an engine.

    A view of the definitions (journeymining.measure.definitions): the same tables as the
    report's KPI section. With ``--engine`` the measures stay in DuckDB (or Spark), one group of
    customers at a time, so the log need not fit in memory.
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    from journeymining.core import columns as C
    from journeymining.core.numbers import format_share
    from journeymining.core.progress import step
    from journeymining.io.outputs import safe_csv
    from journeymining.measure.kpis import KPIS
    from journeymining.pipeline import load_journey_map, read_input
    from journeymining.viz import plot_kpi_trend

    jm = load_journey_map(args.map)
    settings = _settings(args, jm)
    if args.engine:
        if args.mapping:
            raise JourneyMiningError(
                f"kpis: --mapping is not available with --engine {args.engine} yet (the ticket conversion runs in "
                f"pandas). Convert first: journeymining convert {args.events} --mapping {args.mapping} --out "
                "log.parquet, then: journeymining kpis log.parquet --engine ...")
        from journeymining.engine import connect, scan

        step(f"reading {args.events} into {args.engine}")
        elog = scan(args.events, connect(args.engine))
        measures = elog.measures(settings, journey_map=jm)
        table, columns = measures.kpis, set(elog.events.columns)
    else:
        from journeymining.measure import case_measures
        from journeymining.measure.kpis import aggregate

        log, quality, _ = read_input(args.events, args.mapping)
        if quality is not None:
            print(quality, file=sys.stderr)
        if jm is not None:
            log = jm.annotate(log)
        step(f"journey measures of {log[C.CASE].nunique():,} cases")
        measures = case_measures(log, settings)

        def table(by=None):
            return aggregate(measures, by=by, log=log)
        columns = set(log.columns)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    overall = table(None)
    tables = {"kpis": overall, "kpis-by-month": table("M")}
    if C.CHANNEL in columns:
        tables["kpis-by-channel"] = table(C.CHANNEL)
    tables["definitions"] = measures.definitions()
    for name, frame in tables.items():
        written.append(safe_csv(frame, out / f"{name}.csv"))
    trend = plot_kpi_trend(tables["kpis-by-month"])
    trend.savefig(out / "kpi-trend.svg", bbox_inches="tight")
    plt.close(trend)
    written.append(out / "kpi-trend.svg")
    na = overall.attrs.get("na", {})
    print(f"{int(overall['cases'].iloc[0]):,} cases" + (f" (engine: {args.engine})" if args.engine else ""))
    for kpi, (_, how, label) in KPIS.items():
        value = overall[kpi].iloc[0]
        if pd.isna(value):
            text = "n/a" + (f": {na[kpi]}" if kpi in na else " (no case to measure)")
        elif how in ("share", "share_gt0", "open", "dropped"):
            text = format_share(value)     # never a false 0 % or 100 %
        else:
            text = f"{value:,.2f}"
        print(f"  {label:<48} {text}")
    for path in written:
        print(f"wrote {path}")
    return 0


def _names(text):
    """A comma-separated option as a list (None when not given)."""
    return [g.strip() for g in text.split(",") if g.strip()] if text else None


def cmd_generate(args):
    """Write seeded synthetic tickets (three export shapes, ground truth, intended map, mappings)."""
    from journeymining.synth import generate_tickets, write_generated, write_generated_stream

    shapes = [s.strip() for s in args.shapes.split(",")] if args.shapes else ["events", "updates", "wide"]
    note = (f"# Written by 'journeymining generate --tickets {args.tickets} --seed {args.seed} "
            f"--deviation-rate {args.deviation_rate}"
            + (f" --shapes {args.shapes}" if args.shapes else "") + "'.\n")
    if args.tickets > args.block or args.shapes:
        # block by block: memory follows the block, not the number of tickets
        paths = write_generated_stream(args.tickets, args.out, random_state=args.seed, block=args.block,
                                       shapes=shapes, note=note, deviation_rate=args.deviation_rate)
    else:
        gen = generate_tickets(args.tickets, random_state=args.seed, deviation_rate=args.deviation_rate)
        paths = write_generated(gen, args.out, note=note)
    for path in paths:
        print(f"wrote {path}")
    out = Path(args.out)
    if "events" in shapes:
        print(f"next: journeymining analyze {out / 'tickets_events.csv'} --mapping "
              f"{out / 'mappings' / 'generated_events.yaml'} --map {out / 'intended_journey.yaml'} --out {out / 'report'}")
    elif "log" in shapes:
        print(f"next: journeymining discover {out / 'event_log.csv'} --engine duckdb --out {out / 'discovery'}")
    return 0


def _fraction(text):
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _positive(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _filter_option(p):
    p.add_argument("--filter", action="append", default=[], metavar="EXPR",
                   help="keep part of the log first (repeatable), e.g. 'time_frame:2024-01-01..2024-06-30:started', "
                        "'variant_coverage:0.8', 'activity:Closed', 'not activity:Reopen', 'case:product=A,B', "
                        "'throughput:<=7d', 'events:>=3', 'start:Insert ticket', 'follows:A>>B' (docs/FILTERS.md)")


def _setting_options(p):
    p.add_argument("--goal", help="comma-separated goal activities (default: the map's goal; without "
                                  "either, goal-based figures are n/a and the report lists candidates)")
    p.add_argument("--resolution", help="comma-separated resolution activities (default: the map's, else the goal)")
    p.add_argument("--contacts", help="comma-separated customer-contact activities (default: the map's "
                                      "touchpoints with contact: true)")
    p.add_argument("--repeat-window", default="7d",
                   help="a customer's new case within this time after a case ended is a recontact (default 7d)")
    p.add_argument("--open-window", default=None,
                   help="a case silent for at most this long before the log's end is still open (default: the "
                        "95th percentile of the gaps between consecutive events)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="journeymining",
        description="Process mining for customer journeys: tickets -> event log -> journeys, "
                    "intended vs actual, clusters, KPIs and an offline HTML report.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="ticket export + mapping -> event log (+ rejected rows, quality issues)")
    p.add_argument("tickets", help="ticket export: CSV, Parquet, Excel, JSON lines or XES")
    p.add_argument("--mapping", required=True, help="mapping YAML (see README, 'The mapping format')")
    p.add_argument("--out", required=True, help="output log: .csv, .parquet, .xes(.gz), .jsonl, or .ocel.json / .ocel.sqlite / .ocel.xml (OCEL 2.0)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("discover", help="variants, directly-follows graphs and process models")
    p.add_argument("events", help="event log (CSV/Parquet/XES), or a ticket export with --mapping")
    p.add_argument("--mapping", help="treat EVENTS as a ticket export converted with this mapping")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--algorithm", choices=["inductive", "heuristics"], default="inductive")
    p.add_argument("--noise", type=_fraction, default=0.2,
                   help="inductive miner noise threshold, 0 to 1 (default 0.2)")
    p.add_argument("--engine", choices=["duckdb", "spark"], default=None,
                   help="compute variants and the DFG in DuckDB (out of core, any size of log) or local Spark, "
                        "straight from the CSV / Parquet / JSON-lines log; the results are the same")
    _filter_option(p)
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("compare", help="conformance of an event log to the intended journey map")
    p.add_argument("events", help="event log (CSV/Parquet/XES written by 'journeymining convert')")
    p.add_argument("--map", required=True, help="intended journey map (YAML or BPMN)")
    p.add_argument("--out", required=True, help="output folder: summary.json, deviations.csv, tables, figures")
    _setting_options(p)
    p.add_argument("--time-budget", type=_positive, default=5.0,
                   help="seconds of alignment per variant before falling back to the structural diagnosis")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    _filter_option(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("cluster", help="group journeys by path variant")
    p.add_argument("events", help="event log (CSV/Parquet/XES written by 'journeymining convert')")
    p.add_argument("--out", required=True, help="output folder: labels.csv, profiles.csv, figures")
    p.add_argument("--n-clusters", default="auto", help="number of clusters or 'auto' (default)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--encoding", choices=["profile", "transitions", "ngrams", "edit_distance"], default="profile")
    p.add_argument("--method", choices=["kmeans", "agglomerative", "hdbscan", "dbscan"], default="kmeans")
    p.add_argument("--max-clusters", type=int, default=8)
    p.add_argument("--counts", action="store_true", help="count activities instead of presence/absence")
    p.add_argument("--include", default="activities",
                   help="comma-separated: activities,channels,durations,case:<attribute>")
    p.add_argument("--map", default=None, help="intended journey map (YAML): adds conformance to profiles.csv")
    _setting_options(p)
    p.add_argument("--score", action="store_true",
                   help="also write scores.csv (per-cluster models vs no clustering and pm4py.cluster_log)")
    p.add_argument("--no-figures", action="store_true")
    _filter_option(p)
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("kpis", help="journey KPIs overall, by month and by channel, with their definitions")
    p.add_argument("events", help="event log (CSV/Parquet/JSON lines/XES), or a ticket export with --mapping")
    p.add_argument("--mapping", help="treat EVENTS as a ticket export converted with this mapping")
    p.add_argument("--map", help="intended journey map (YAML or BPMN): goal, resolution, contacts, team plan, SLAs")
    p.add_argument("--out", required=True, help="output folder: kpis*.csv, definitions.csv, kpi-trend.svg")
    _setting_options(p)
    p.add_argument("--engine", choices=["duckdb", "spark"], default=None,
                   help="keep the journey measures in DuckDB (out of core, any size of log) or Spark; the "
                        "figures are the same")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("generate", help="seeded synthetic support tickets with ground truth")
    p.add_argument("--tickets", type=int, default=2000, help="number of tickets (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same tickets")
    p.add_argument("--deviation-rate", type=_fraction, default=0.3,
                   help="share of tickets with planted deviations (default 0.3)")
    p.add_argument("--shapes", help="exports to write, comma separated, among events, updates, wide and log (the "
                   "event log in pm4py columns); default events,updates,wide")
    p.add_argument("--block", type=int, default=250_000,
                   help="tickets generated at a time (default 250000): more tickets than this are written block by "
                        "block, so memory follows the block (see README, 'Generated tickets')")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("analyze", help="the whole analysis and an offline HTML report")
    p.add_argument("tickets", help="ticket export: CSV, Parquet, Excel, JSON lines or XES")
    p.add_argument("--mapping", help="ticket mapping YAML (see README, 'The mapping format'); without it "
                                     "TICKETS must be an event log in pm4py columns (XES, CSV, Parquet)")
    p.add_argument("--map", help="intended journey map (YAML or BPMN): conformance, goal and SLAs")
    p.add_argument("--out", required=True, help="output folder: index.html and every table as CSV")
    _setting_options(p)
    p.add_argument("--time-budget", type=_positive, default=5.0, help="alignment seconds per variant")
    p.add_argument("--no-alignments", action="store_true",
                   help="conformance without alignment fitness (faster on many variants)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a previous report in --out (a folder holding other files is always refused)")
    _filter_option(p)
    p.set_defaults(func=cmd_analyze)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "n_clusters", None) not in (None, "auto"):
        try:
            args.n_clusters = int(args.n_clusters)
        except ValueError:
            parser.error(f"--n-clusters must be a whole number or 'auto', got {args.n_clusters!r}")
    from journeymining.viz import GraphvizNotFoundError

    try:
        return args.func(args)
    except (JourneyMiningError, GraphvizNotFoundError) as exc:
        print(f"journeymining {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"journeymining {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}. "
              "Check the path and its permissions.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("journeymining: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
