"""Tests of journeymining.cluster: hand-computed tiny logs, the sklearn contract, error paths,
and recovery of planted personas on generated logs (compared with adjusted Rand, never raw ids)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from journeymining.core import columns as C
from journeymining.cluster import (
    ClusteringError,
    VariantClusterer,
    edit_distance_matrix,
    plot_cluster_maps,
    plot_cluster_sizes,
    plot_k_selection,
    plot_variant_embedding,
    profile_clusters,
    score_clusters,
    weighted_silhouette,
)
from journeymining.cluster.linkage import cut_tree, weighted_average_linkage
from journeymining.core.errors import EventLogError

T0 = pd.Timestamp("2024-03-01 08:00", tz="UTC")


def make_log(paths, **columns):
    """Log from {case: "abc"} (one letter = one activity, one hour apart); extra per-case columns."""
    rows = []
    for case, path in paths.items():
        for i, act in enumerate(path):
            row = {C.CASE: case, C.ACTIVITY: act, C.TIMESTAMP: T0 + pd.Timedelta(hours=i)}
            for col, per_case in columns.items():
                value = per_case[case]
                row[col] = value[i] if isinstance(value, (list, tuple)) else value
            rows.append(row)
    return pd.DataFrame(rows)


# three obviously different kinds of journey, each with a slight variation
THREE_KINDS = {**{f"a{i}": "abc" for i in range(5)}, "a5": "abcc", "a6": "abcc",
               **{f"x{i}": "xyz" for i in range(5)}, "x5": "xyzz", "x6": "xyzz",
               **{f"p{i}": "pqr" for i in range(5)}, "p5": "pqrr", "p6": "pqrr"}
THREE_TRUTH = [case[0] for case in THREE_KINDS]


# --------------------------------------------------------------------------------------------
# distances and criterion, by hand
# --------------------------------------------------------------------------------------------
def test_edit_distance_by_hand():
    d = edit_distance_matrix([tuple("kitten"), tuple("sitting"), (), ("a", "b")])
    # kitten -> sitting: 2 substitutions + 1 insertion = 3, over the longer length 7
    assert d[0, 1] == pytest.approx(3 / 7)
    assert d[1, 0] == pytest.approx(3 / 7)
    assert d[2, 3] == pytest.approx(1.0)  # two insertions / 2
    assert d[0, 3] == pytest.approx(6 / 6)  # no common letter at all: 6 edits / 6
    assert np.diag(d).tolist() == [0, 0, 0, 0]
    # rectangular form; activities are whole names, not letters
    d2 = edit_distance_matrix([("Open", "Chat", "Close")], [("Open", "Close"), ("Open", "Mail", "Close")])
    assert d2.shape == (1, 2)
    assert d2[0].tolist() == pytest.approx([1 / 3, 1 / 3])


def test_edit_distance_long_and_short_mixed():
    seqs = [tuple("ab" * 12), tuple("ab" * 11 + "c"), ("a",)]
    d = edit_distance_matrix(seqs)
    assert d[0, 1] == pytest.approx(2 / 24)  # "ab" -> "c": one deletion + one substitution
    assert d[0, 2] == pytest.approx(23 / 24)


def test_weighted_silhouette_by_hand():
    # clusters {0,1} and {2,3}; D01 = D23 = 1, D02 = D12 = 2, D03 = D13 = 6; weights 1, 1, 3, 1
    D = np.array([[0, 1, 2, 6], [1, 0, 2, 6], [2, 2, 0, 1], [6, 6, 1, 0]], float)
    # s0 = s1: a = 1, b = (3*2 + 1*6) / 4 = 3 -> 2/3; s2: a = 1, b = 2 -> 1/2; s3: a = 1, b = 6 -> 5/6
    expected = (2 / 3 + 2 / 3 + 3 * 0.5 + 5 / 6) / 6
    assert weighted_silhouette(D, [0, 0, 1, 1], [1, 1, 3, 1]) == pytest.approx(expected)
    # a variant alone in its cluster scores 0; noise (-1) is left out
    D3 = np.array([[0, 1, 3], [1, 0, 5], [3, 5, 0]], float)
    assert weighted_silhouette(D3, [0, 0, 1], [2, 1, 1]) == pytest.approx((2 * 2 / 3 + 0.8) / 4)
    assert weighted_silhouette(D3, [0, 0, -1], [2, 1, 1]) != weighted_silhouette(D3, [0, 0, 1], [2, 1, 1])
    assert np.isnan(weighted_silhouette(D3, [0, 0, -1], [2, 1, 1]))
    # every variant its own cluster: 0, however frequent the variants are
    assert weighted_silhouette(D3, [0, 1, 2], [50, 50, 50]) == 0.0


def test_weighted_average_linkage_by_hand():
    # points on a line: A=0, B=1, C=3, D=5.5; A and B merge first (distance 1).
    x = np.array([0.0, 1.0, 3.0, 5.5])
    D = np.abs(x[:, None] - x[None, :])
    # AB-C distance = (wA*3 + wB*2) / (wA + wB); C-D = 2.5
    # wA=1, wB=10 -> 23/11 = 2.09 < 2.5: C joins AB, D alone
    m = weighted_average_linkage(D, np.array([1, 10, 1, 1]))
    assert adjusted_rand_score(cut_tree(m, 4, 2), [0, 0, 0, 1]) == 1.0
    # wA=10, wB=1 -> 32/11 = 2.91 > 2.5: C joins D
    m = weighted_average_linkage(D, np.array([10, 1, 1, 1]))
    assert adjusted_rand_score(cut_tree(m, 4, 2), [0, 0, 1, 1]) == 1.0
    # last merge: mean over the 11 x 2 case pairs of {A x10, B} x {C, D}
    last = (10 * 3 + 10 * 5.5 + 1 * 2 + 1 * 4.5) / 22
    assert [d for _, _, d in m] == pytest.approx([1.0, 2.5, last])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_weighted_linkage_equals_average_linkage_on_cases(seed):
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(seed)
    points = rng.normal(size=(7, 2)) * [3, 1]
    weights = rng.integers(1, 4, size=7)
    expanded = np.repeat(points, weights, axis=0)
    ref = fcluster(linkage(pdist(expanded), "average"), 3, "maxclust")
    D = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    ours = np.repeat(cut_tree(weighted_average_linkage(D, weights), 7, 3), weights)
    assert adjusted_rand_score(ref, ours) == 1.0


# --------------------------------------------------------------------------------------------
# the estimator on tiny logs
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding,method", [
    ("profile", "kmeans"), ("transitions", "kmeans"), ("ngrams", "kmeans"),
    ("profile", "agglomerative"), ("edit_distance", "agglomerative"), ("transitions", "agglomerative"),
])
def test_three_kinds_give_three_clusters(encoding, method):
    log = make_log(THREE_KINDS)
    model = VariantClusterer(encoding, method=method, binary=False, random_state=0).fit(log)
    assert model.n_clusters_ == 3
    assert adjusted_rand_score(THREE_TRUTH, model.labels_.loc[list(THREE_KINDS)]) == 1.0
    # the criteria were computed for k = 2 .. 5 (6 variants -> at most 5) and k = 3 is chosen
    table = model.selection_table_.set_index("k")
    assert table.index.tolist() == [2, 3, 4, 5]
    assert table.index[table["chosen"]].tolist() == [3]
    assert table["silhouette_variants"].idxmax() == 3
    # the standard case-level silhouette alone grows as pure clusters of identical cases
    # (abc x5 | abcc x2) split off: why it is combined with the variant silhouette
    assert table["silhouette"].is_monotonic_increasing
    assert model.criterion_ is model.selection_table_
    assert not model.no_clear_groups_ and model.selection_note_.startswith("k=3 chosen")


def test_binary_profiles_ignore_repetitions():
    log = make_log(THREE_KINDS)
    # binary=True: abc and abcc are the same point, so there are 3 distinct points; the criterion
    # counts each point once and stops at k = 3 - 1 (k = 3 would make every point a singleton)
    model = VariantClusterer(random_state=0).fit(log)
    assert model.criterion_["k"].tolist() == [2]
    assert model.n_clusters_ == 2
    assert model.variant_features_.max() == 1.0
    fixed = VariantClusterer(n_clusters=3, random_state=0).fit(log)
    assert adjusted_rand_score(THREE_TRUTH, fixed.labels_.loc[list(THREE_KINDS)]) == 1.0
    counts = VariantClusterer(binary=False, n_clusters=2, random_state=0).fit(log)
    assert counts.variant_features_.max() == 2.0


def test_criterion_counts_each_distinct_point_once():
    # 4 variants but 2 distinct binary profiles {a, b} and {x, y}: silhouette over 2 points
    log = make_log({"t1": "ab", "t2": "abb", "t3": "xy", "t4": "xyy", "t5": "xy"})
    model = VariantClusterer(random_state=0).fit(log)
    assert model.criterion_.empty and model.n_clusters_ == 2  # 2 points: each its own cluster
    assert adjusted_rand_score([0, 0, 1, 1, 1], model.labels_) == 1.0


def test_density_methods_on_three_kinds():
    log = make_log(THREE_KINDS)
    db = VariantClusterer("edit_distance", method="dbscan", eps=0.4, min_cluster_size=3).fit(log)
    assert db.n_clusters_ == 3
    assert adjusted_rand_score(THREE_TRUTH, db.labels_.loc[list(THREE_KINDS)]) == 1.0
    hd = VariantClusterer("edit_distance", method="hdbscan", min_cluster_size=2).fit(log)
    assert hd.n_clusters_ == 3
    assert adjusted_rand_score(THREE_TRUTH, hd.labels_.loc[list(THREE_KINDS)]) == 1.0
    # DBSCAN weighs cases: with 8 cases needed around a core, no variant (7 cases) is dense
    noise = VariantClusterer("edit_distance", method="dbscan", eps=0.4, min_cluster_size=8).fit(log)
    assert noise.n_clusters_ == 0
    assert set(noise.labels_) == {-1}


def test_labels_map_back_to_cases_variants_and_customers():
    paths = {"t1": "ab", "t2": "ab", "t3": "ab", "t4": "xy", "t5": "xy", "t6": "xyz"}
    customers = {"t1": "ann", "t2": "bob", "t3": "cid", "t4": "ann", "t5": "ann", "t6": "bob"}
    log = make_log(paths, **{C.CUSTOMER: customers})
    model = VariantClusterer(n_clusters=2, random_state=0).fit(log)
    assert model.labels_.index.tolist() == list(paths)
    assert model.labels_.index.name == C.CASE
    # cluster 0 is the larger one (3 cases of "ab" vs ... 3 cases of xy/xyz: tie -> most frequent variant first)
    table = model.variant_table_
    assert table["variant"].tolist() == ["a → b", "x → y", "x → y → z"]
    assert table["cluster"].tolist() == model.variant_labels_.tolist() == [0, 1, 1]
    assert model.labels_.tolist() == [0, 0, 0, 1, 1, 1]
    # ann: t1 (0), t4 (1), t5 (1) -> 1; bob: t2 (0), t6 (1) -> tie -> 0; cid -> 0
    assert model.customer_labels_.to_dict() == {"ann": 1, "bob": 0, "cid": 0}
    assert not hasattr(VariantClusterer().fit(make_log(paths)), "customer_labels_")


def test_fit_is_deterministic_and_order_independent():
    log = make_log(THREE_KINDS)
    a = VariantClusterer(random_state=7).fit(log).labels_
    b = VariantClusterer(random_state=7).fit(log.sample(frac=1, random_state=3)).labels_
    assert a.equals(VariantClusterer(random_state=7).fit(log).labels_)
    assert (b.loc[a.index] == a).all()


def test_rare_variants_beyond_max_variants_go_to_nearest_medoid():
    paths = {**{f"a{i}": "abc" for i in range(4)}, **{f"x{i}": "xyz" for i in range(4)},
             "r1": "abcd", "r2": "xyzw"}
    log = make_log(paths)
    model = VariantClusterer("edit_distance", method="agglomerative", n_clusters=2,
                             max_variants=2).fit(log)
    lab = model.labels_
    assert lab["r1"] == lab["a0"] != lab["r2"] == lab["x0"]


def test_channels_separate_what_activities_cannot():
    # "ab" and "ba" have the same activity profile; only the channel tells them apart
    paths = {"c1": "ab", "c2": "ab", "c3": "ba", "c4": "ba"}
    channel = {"c1": "chat", "c2": "chat", "c3": "phone", "c4": "phone"}
    log = make_log(paths, **{C.CHANNEL: channel})
    plain = VariantClusterer(n_clusters=2, random_state=0).fit(log)
    assert plain.n_clusters_ == 1  # two identical points: k-means keeps one cluster
    model = VariantClusterer(n_clusters=2, include=("activities", "channels"), random_state=0).fit(log)
    assert adjusted_rand_score([0, 0, 1, 1], model.labels_) == 1.0
    assert "channel: chat" in model.feature_names_


def test_durations_and_case_attributes_as_features():
    paths = {"c1": "ab", "c2": "ab", "c3": "ab", "c4": "ab"}
    log = make_log(paths, **{"case:product": {"c1": "A", "c2": "A", "c3": "B", "c4": "B"}})
    model = VariantClusterer(n_clusters=2, include=("case:product", "durations"), random_state=0).fit(log)
    # a single variant: the cases of one variant always share a cluster
    assert model.n_clusters_ == 1
    assert model.feature_names_ == ["durations", "case:product=A", "case:product=B"]


def test_predict_new_log_nearest_centroid_and_medoid():
    log = make_log(THREE_KINDS)
    new = make_log({"n1": "abcc", "n2": "xyzzz", "n3": "pqr", "n4": "pqrs"})
    for model in (VariantClusterer(random_state=0), VariantClusterer("edit_distance", method="agglomerative")):
        model.fit(log)
        pred = model.predict(new)
        assert pred.index.tolist() == ["n1", "n2", "n3", "n4"]
        ref = model.labels_
        assert pred.tolist() == [ref["a0"], ref["x0"], ref["p0"], ref["p0"]]
        assert model.fit_predict(log).equals(model.labels_)


def test_profiles_by_hand():
    paths = {"t1": "ab", "t2": "abb", "t3": "xy"}
    log = make_log(
        paths,
        **{C.CHANNEL: {"t1": ["chat", "chat"], "t2": ["chat", "e-mail", "e-mail"], "t3": "phone"},
           C.GROUP: {"t1": ["L1", "L2"], "t2": ["L1", "L1", None], "t3": "L1"},
           C.CSAT: {"t1": [np.nan, 4.0], "t2": [np.nan, np.nan, 2.0], "t3": np.nan},
           C.CUSTOMER: {"t1": "ann", "t2": "ann", "t3": "bob"}})
    prof = profile_clusters(log, pd.Series({"t1": 0, "t2": 0, "t3": 1}))
    assert prof.index.tolist() == [0, 1]
    p0 = prof.loc[0]
    assert (p0["cases"], p0["share"], p0["customers"], p0["variants"]) == (2, pytest.approx(2 / 3), 1, 2)
    # medoid of {ab, abb}: both at distance 1/3 from the other; tie -> the more frequent/first one
    assert p0["representative"] == "a → b"
    assert p0["representative_share"] == pytest.approx(0.5)
    assert p0["events_mean"] == pytest.approx(2.5)
    assert p0["channels"] == "chat 60%, e-mail 40%"
    assert p0["throughput_h_median"] == pytest.approx(1.5)  # 1 h and 2 h
    assert p0["handoffs_mean"] == pytest.approx(0.5)  # t1: L1 -> L2; t2: none (missing skipped)
    assert p0["rework"] == pytest.approx(0.5)  # "abb" repeats b
    assert p0["csat_mean"] == pytest.approx(3.0) and p0["csat_answered"] == 1.0
    p1 = prof.loc[1]
    assert (p1["cases"], p1["channels"], p1["representative"]) == (1, "phone 100%", "x → y")
    assert np.isnan(p1["csat_mean"]) and p1["csat_answered"] == 0.0


def test_profiles_with_a_journey_map():
    from journeymining.journeymap.model import JourneyMap

    jm = JourneyMap.from_dict({"name": "tiny", "goal": ["c"], "stages": [
        {"name": "Do", "touchpoints": [{"activity": "a"}, {"activity": "b"}, {"activity": "c"}]}]})
    log = make_log({"t1": "abc", "t2": "abc", "t3": "ab", "t4": "axc"})
    prof = profile_clusters(log, pd.Series({"t1": 0, "t2": 0, "t3": 1, "t4": 1}), journey_map=jm)
    # every case starts at T0, so t3 (ab, last event 1 h before the log's end, the open window) is
    # still open, not a drop-off: it conforms so far; t4 has an unplanned step x
    assert prof["conforming"].tolist() == [1.0, 0.5]
    assert prof.loc[1, "deviations_per_case"] >= 1.0
    assert prof.loc[0, "top_deviation"] == ""


def test_score_clusters_by_hand():
    log = make_log({"t1": "ab", "t2": "ab", "t3": "xy", "t4": "xy", "t5": "xyz"})
    labels = pd.Series({"t1": 0, "t2": 0, "t3": 1, "t4": 1, "t5": 1})
    # test_size=0: in-sample (the models are measured on the cases they were discovered from)
    scores = score_clusters(log, labels, noise_threshold=0.0, test_size=0)
    assert scores["scope"].tolist() == ["cluster", "cluster", "all clusters", "no clustering",
                                        "pm4py.cluster_log (all clusters)", "pm4py.cluster_log",
                                        "pm4py.cluster_log"]
    own = scores[scores["scope"] == "cluster"].set_index("cluster")
    assert own["cases"].tolist() == own["test_cases"].tolist() == [2, 3]
    # cluster 0 is the sequence a -> b: 3 places + 2 transitions, 4 arcs, replayed perfectly
    assert own.loc[0, ["nodes", "arcs", "fitness", "precision"]].tolist() == [5, 4, 1.0, 1.0]
    summary = scores.set_index("scope").loc["all clusters"]
    assert summary["fitness"] == pytest.approx((2 * own.loc[0, "fitness"] + 3 * own.loc[1, "fitness"]) / 5)
    # model size of the clustering is the TOTAL over its models, not their mean
    assert summary["nodes"] == 5 + own.loc[1, "nodes"]
    assert summary["arcs"] == 4 + own.loc[1, "arcs"]
    # silhouette on activity profiles: ab alone in its cluster -> 0; xy: a = 1, b = |ab - xy| = 2;
    # xyz: a = 1, b = |ab - xyz| = sqrt(5); weights 2, 2, 1
    assert summary["silhouette"] == pytest.approx((2 * 0 + 2 * 0.5 + 1 * (1 - 1 / np.sqrt(5))) / 5)
    # standard case silhouette on edit distance (ab-xy = ab-xyz = 1, xy-xyz = 1/3):
    # t1, t2: a = 0, b = 1 -> 1; t3, t4: a = (0 + 1/3) / 2, b = 1 -> 5/6; t5: a = 1/3 -> 2/3
    assert summary["silhouette_standard"] == pytest.approx(13 / 15)
    pm = scores.set_index("scope").loc["pm4py.cluster_log (all clusters)"]
    assert -1 <= pm["silhouette_standard"] <= 1          # scored in the same (edit-distance) space
    assert scores["cluster"].dtype == "Int64"


def test_score_clusters_held_out_cases():
    from journeymining.cluster.scoring import held_out

    # stratified split: round(0.3 n) test cases per cluster, at least 1 and at most n - 1
    lab = np.array([0] * 1 + [1] * 2 + [2] * 10)
    test = held_out(lab, 0.3, random_state=5)
    assert [int(test[lab == c].sum()) for c in (0, 1, 2)] == [0, 1, 3]
    assert (test == held_out(lab, 0.3, random_state=5)).all()
    # cluster 1 = {xyz, xzy}: one case trains (a sequence model), the other is held out; whichever
    # it is, its order is not the training order, so held-out fitness is below 1 while in-sample
    # fitness is 1
    log = make_log({"t1": "ab", "t2": "ab", "t3": "ab", "t4": "xyz", "t5": "xzy"})
    labels = pd.Series({"t1": 0, "t2": 0, "t3": 0, "t4": 1, "t5": 1})
    for seed in (0, 1, 2):
        held = score_clusters(log, labels, noise_threshold=0.0, compare_pm4py=False, random_state=seed)
        c = held[held["scope"] == "cluster"].set_index("cluster")
        assert c["test_cases"].tolist() == [1, 1]
        assert c.loc[0, "fitness"] == 1.0 and c.loc[1, "fitness"] < 1.0
    inside = score_clusters(log, labels, noise_threshold=0.0, compare_pm4py=False, test_size=0)
    assert inside[inside["scope"] == "cluster"]["fitness"].tolist() == [1.0, 1.0]
    with pytest.raises(ClusteringError, match=r"test_size=1 must be a number in \[0, 1\)"):
        score_clusters(log, labels, test_size=1)


# --------------------------------------------------------------------------------------------
# scikit-learn contract (checked by hand: estimator_checks feeds arrays, not event logs)
# --------------------------------------------------------------------------------------------
def test_sklearn_contract():
    params = dict(encoding="ngrams", ngram=3, binary=False, include=("activities", "channels"), method="agglomerative",
                  n_clusters=4, max_clusters=5, eps=0.2, min_cluster_size=3, max_variants=50,
                  min_cluster_share=0.05, n_bootstrap=4, min_stability=0.7, min_silhouette=0.3,
                  quality_criterion=True, random_state=11, case_id_key="c", activity_key="a", timestamp_key="t", settings=None)
    est = VariantClusterer(**params)
    assert est.get_params() == params
    assert vars(est) == params  # __init__ stores the parameters and nothing else
    twin = clone(est)
    assert twin.get_params() == params and twin is not est
    # __init__ does not validate: errors surface in fit
    bad = VariantClusterer(encoding="nope")
    assert bad.encoding == "nope"
    log = make_log(THREE_KINDS)
    est = VariantClusterer(random_state=0)
    assert est.fit(log) is est
    fitted = [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
    assert {"labels_", "variant_labels_", "variant_table_", "n_clusters_", "criterion_",
            "selection_table_", "no_clear_groups_", "selection_note_",
            "cluster_profiles_", "medoids_", "cluster_centers_", "feature_names_"} <= set(fitted)
    assert not any(k.endswith("_") for k in vars(clone(est)))
    est.set_params(n_clusters=2)
    assert est.fit(log).n_clusters_ == 2


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError, match="not fitted"):
        VariantClusterer().predict(make_log({"t": "ab"}))
    with pytest.raises(NotFittedError):
        plot_variant_embedding(VariantClusterer())


# --------------------------------------------------------------------------------------------
# error paths
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("params,match", [
    (dict(encoding="bag"), "encoding='bag' is not known"),
    (dict(method="spectral"), "method='spectral' is not known"),
    (dict(encoding="edit_distance", method="kmeans"), "method='kmeans' needs vectors"),
    (dict(encoding="edit_distance", method="agglomerative", include=("activities", "channels")),
     "compares activity sequences only"),
    (dict(include=("activities", "colour")), r"unknown block\(s\) \['colour'\]"),
    (dict(include=()), "selects no features"),
    (dict(n_clusters=0), "n_clusters=0 must be 'auto' or an integer >= 1"),
    (dict(n_clusters="many"), "n_clusters='many'"),
    (dict(n_clusters=True), "n_clusters=True"),
    (dict(max_clusters=1), "max_clusters=1 must be an integer >= 2"),
    (dict(ngram=0), "ngram=0 must be an integer >= 1"),
    (dict(eps=-1.0), "eps=-1.0 must be a positive number"),
    (dict(min_cluster_size=0), "min_cluster_size=0"),
    (dict(max_variants=1), "max_variants=1"),
])
def test_bad_parameters(params, match):
    with pytest.raises(ClusteringError, match=match):
        VariantClusterer(**params).fit(make_log({"t": "ab"}))


def test_bad_logs():
    with pytest.raises(EventLogError, match="needs an event log as a pandas DataFrame; got list"):
        VariantClusterer().fit([("t", "a")])
    log = make_log({"t": "ab"})
    with pytest.raises(EventLogError, match="has no column 'time:timestamp'"):
        VariantClusterer().fit(log.drop(columns=[C.TIMESTAMP]))
    with pytest.raises(EventLogError, match="empty"):
        VariantClusterer().fit(log.iloc[:0])
    with pytest.raises(EventLogError, match="missing activities"):
        VariantClusterer().fit(log.assign(**{C.ACTIVITY: [None, "b"]}))
    with pytest.raises(ClusteringError, match="include asks for column 'channel'.*Columns present"):
        VariantClusterer(include=("activities", "channels")).fit(log)
    with pytest.raises(ClusteringError, match="'case:product'"):
        VariantClusterer(include=("case:product",)).fit(log)


def test_bad_labels():
    log = make_log({"t1": "ab", "t2": "xy"})
    with pytest.raises(ClusteringError, match="labels must be a pandas Series"):
        profile_clusters(log, [0, 1])
    with pytest.raises(ClusteringError, match=r"no cluster for 1 case\(s\) of the log \('t2'\)"):
        score_clusters(log, pd.Series({"t1": 0}))
    with pytest.raises(ClusteringError, match="missing"):
        plot_cluster_maps(log, pd.Series({"t1": 0, "t2": np.nan}))


def test_bad_figure_inputs():
    with pytest.raises(ClusteringError, match="needs the profile_clusters"):
        plot_cluster_sizes(pd.DataFrame({"x": [1]}))
    model = VariantClusterer(n_clusters=2, random_state=0).fit(make_log(THREE_KINDS))
    with pytest.raises(ClusteringError, match="method='umap' is not known"):
        plot_variant_embedding(model, method="umap")


# --------------------------------------------------------------------------------------------
# figures and the command line
# --------------------------------------------------------------------------------------------
def test_figures():
    log = make_log(THREE_KINDS)
    model = VariantClusterer(n_clusters=3, random_state=0).fit(log)
    fig = plot_cluster_sizes(model.cluster_profiles_)
    assert len(fig.axes[0].patches) == 3
    fig = plot_cluster_maps(log, model.labels_, ncols=3)
    assert [ax.get_title() for ax in fig.axes] == [f"cluster {c}: 7 cases (33%)" for c in range(3)]
    for method in ("pca", "mds", "tsne"):
        fig = plot_variant_embedding(model, method=method)
        assert len(fig.axes[0].collections[0].get_offsets()) == 6
    fig = plot_variant_embedding(VariantClusterer("edit_distance", method="agglomerative").fit(log))
    assert "MDS" in fig.axes[0].get_title()


# --------------------------------------------------------------------------------------------
# planted personas of the generator
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("encoding,method", [("profile", "kmeans"), ("edit_distance", "agglomerative")])
def test_recovers_planted_personas(seed, encoding, method):
    from journeymining.synth.generator import generate_tickets

    gen = generate_tickets(3000, random_state=seed, shapes=("log",))
    model = VariantClusterer(encoding, method=method, random_state=seed).fit(gen.log)
    truth = gen.truth.set_index("case")["persona"]
    ari = adjusted_rand_score(truth.loc[model.labels_.index], model.labels_)
    assert ari >= 0.9, f"seed {seed}: ARI {ari:.3f}"
    if method == "kmeans":  # four personas, four clusters
        assert model.n_clusters_ == 4


# --------------------------------------------------------------------------------------------
# k selection (issue 12): standard silhouette, stability, an independent generator
# --------------------------------------------------------------------------------------------
def test_case_silhouette_equals_sklearn_on_expanded_cases():
    from sklearn.metrics import silhouette_score

    from journeymining.cluster import case_silhouette

    rng = np.random.default_rng(3)
    for _ in range(5):
        pts = rng.normal(size=(7, 2))
        w = rng.integers(1, 5, size=7)
        lab = np.array([0, 0, 1, 1, 2, 2, 2])
        D = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
        ref = silhouette_score(np.repeat(pts, w, axis=0), np.repeat(lab, w))
        assert case_silhouette(D, lab, w) == pytest.approx(ref)
    # a variant alone in its cluster with one case scores 0, with 3 identical cases 1 (a = 0)
    D = np.array([[0, 1, 5], [1, 0, 5], [5, 5, 0]], float)
    assert case_silhouette(D, [0, 0, 1], [1, 1, 1]) == pytest.approx((0.8 + 0.8 + 0) / 3)
    assert case_silhouette(D, [0, 0, 1], [1, 1, 3]) == pytest.approx((0.8 + 0.8 + 3) / 5)


def test_weighted_ari_equals_sklearn_on_expanded_cases():
    from journeymining.cluster.selection import weighted_ari

    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b, w = rng.integers(0, 3, 9), rng.integers(0, 4, 9), rng.integers(1, 6, 9)
        assert weighted_ari(a, b, w) == pytest.approx(adjusted_rand_score(np.repeat(a, w), np.repeat(b, w)))


# an independent generator of journeys (not journeymining.synth.generator): planted types share
# activities (Open, Close and middle steps), have optional steps and a rework loop, and a share
# `noise` of the cases gets one or two random edits (insert any activity, delete, swap neighbours)
PLANTED = [
    ("Open Check Reply Close", "Wait Note"),
    ("Open Check Escalate Fix Close", "Wait Call"),
    ("Open Route Fix Test Close", "Note Call"),
    ("Open Route Refund Reply Close", "Wait Mail"),
    ("Open Mail Check Approve Close", "Call Test"),
    ("Open Route Escalate Approve Close", "Mail Note"),
]
PLANTED_ALPHABET = sorted(set(" ".join(" ".join(t) for t in PLANTED).split()))


def planted_journeys(n_types, seed, n_cases=600, noise=0.35):
    rng = np.random.default_rng(seed)
    types = [(core.split(), optional.split()) for core, optional in PLANTED[:n_types]]
    share = 0.5 * rng.dirichlet(np.full(n_types, 4.0)) + 0.5 / n_types
    kinds = rng.choice(n_types, p=share, size=n_cases)
    rows = []
    for i, k in enumerate(kinds):
        core, optional = types[k]
        path = list(core)
        for a in optional:
            if rng.random() < 0.5:
                path.insert(int(rng.integers(1, len(path))), a)
        if rng.random() < 0.3:                       # rework: one step repeated
            j = int(rng.integers(1, len(path) - 1))
            path.insert(j + 1, path[j])
        if rng.random() < noise:
            for _ in range(1 + int(rng.random() < 0.3)):
                op = rng.integers(3)
                if op == 0:
                    path.insert(int(rng.integers(0, len(path) + 1)),
                                PLANTED_ALPHABET[int(rng.integers(len(PLANTED_ALPHABET)))])
                elif op == 1 and len(path) > 2:
                    del path[int(rng.integers(len(path)))]
                elif len(path) > 1:
                    j = int(rng.integers(len(path) - 1))
                    path[j], path[j + 1] = path[j + 1], path[j]
        rows += [{C.CASE: f"c{i}", C.ACTIVITY: a, C.TIMESTAMP: T0 + pd.Timedelta(hours=i, minutes=j)}
                 for j, a in enumerate(path)]
    return pd.DataFrame(rows), pd.Series(kinds, index=[f"c{i}" for i in range(n_cases)])


def test_planted_generator_has_noise_and_overlap():
    log, truth = planted_journeys(6, 0)
    paths = log.groupby(C.CASE, sort=False)[C.ACTIVITY].agg(tuple)
    clean = {tuple(c.split()) for c, _ in PLANTED}
    assert paths.nunique() > 300                        # many variants, not 6 paths
    assert truth.nunique() == 6 and truth.value_counts().min() >= 50
    assert 0.05 < np.mean([p in clean for p in paths]) < 0.5


@pytest.mark.parametrize("n_types", [3, 4, 6])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("encoding,method", [("profile", "kmeans"), ("edit_distance", "agglomerative")])
def test_auto_k_recovers_planted_types_of_an_independent_generator(n_types, seed, encoding, method):
    log, truth = planted_journeys(n_types, seed)
    model = VariantClusterer(encoding, method=method, random_state=seed).fit(log)
    ari = adjusted_rand_score(truth.loc[model.labels_.index], model.labels_)
    assert model.n_clusters_ == n_types, model.selection_table_
    assert ari >= 0.9, f"{n_types} types, seed {seed}: ARI {ari:.3f}"
    assert not model.no_clear_groups_
    table = model.selection_table_
    assert table.columns.tolist() == ["k", "silhouette", "silhouette_variants", "stability",
                                      "stable", "chosen", "fitness", "precision", "fitness_gain",
                                      "precision_gain", "model_size"]
    assert table[["fitness", "precision", "model_size"]].isna().all().all()  # quality_criterion off
    assert table.loc[table["chosen"], "stability"].item() >= 0.8


def test_no_clear_groups_on_random_journeys():
    # every case a random sequence over the same 6 activities: no k should convince
    rng = np.random.default_rng(0)
    acts = list("abcdef")
    paths = {f"r{i}": "".join(rng.choice(acts, size=int(rng.integers(3, 7)))) for i in range(300)}
    model = VariantClusterer(random_state=0, binary=False).fit(make_log(paths))
    assert model.no_clear_groups_
    assert "no convincing groups" in model.selection_note_ or "do not form clear groups" in model.selection_note_
    fig = plot_k_selection(model)
    assert fig.axes[0].get_title().endswith("no convincing groups")


def test_k_selection_figure_and_fixed_k():
    log, _ = planted_journeys(3, 0, n_cases=200)
    model = VariantClusterer(random_state=0, n_bootstrap=3).fit(log)
    fig = plot_k_selection(model)
    import matplotlib.pyplot as plt
    assert fig.number not in plt.get_fignums()        # not registered with pyplot
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels[:3] == ["standard silhouette (cases)", "variant silhouette", "stability (bootstrap ARI)"]
    fixed = VariantClusterer(n_clusters=3, random_state=0).fit(log)
    assert fixed.selection_table_.empty and "k fixed by n_clusters" in fixed.selection_note_
    with pytest.raises(ClusteringError, match="plot_k_selection needs a model fitted with n_clusters='auto'"):
        plot_k_selection(fixed)
    # n_bootstrap=0: stability not computed, every k eligible
    quick = VariantClusterer(random_state=0, n_bootstrap=0).fit(log)
    assert quick.selection_table_["stability"].isna().all() and quick.selection_table_["stable"].all()
    assert "stability not computed" in quick.selection_note_


def test_stability_is_seeded():
    log, _ = planted_journeys(4, 1, n_cases=200)
    a = VariantClusterer("edit_distance", method="agglomerative", random_state=3, n_bootstrap=4).fit(log)
    b = VariantClusterer("edit_distance", method="agglomerative", random_state=3, n_bootstrap=4).fit(log)
    pd.testing.assert_frame_equal(a.selection_table_, b.selection_table_)
    assert a.selection_table_["stability"].between(-1, 1).all()


@pytest.mark.parametrize("params,match", [
    (dict(n_bootstrap=-1), "n_bootstrap=-1 must be an integer >= 0"),
    (dict(min_cluster_share=0.5), r"min_cluster_share=0.5 must be a number in \[0, 0.5\)"),
    (dict(n_bootstrap=2.5), "n_bootstrap=2.5"),
    (dict(min_stability=2), "min_stability=2 must be a number between -1 and 1"),
    (dict(min_silhouette="high"), "min_silhouette='high' must be a number between -1 and 1"),
    (dict(quality_criterion="yes"), "quality_criterion='yes' must be True or False"),
])
def test_bad_selection_parameters(params, match):
    with pytest.raises(ClusteringError, match=match):
        VariantClusterer(**params).fit(make_log({"t": "ab"}))


@pytest.mark.parametrize("encoding,method", [("profile", "kmeans"), ("edit_distance", "agglomerative")])
def test_auto_k_without_noise(encoding, method):
    # the old criterion picked k = 8 on 4 noise-free planted types (issue 12)
    log, truth = planted_journeys(4, 0, noise=0.0)
    model = VariantClusterer(encoding, method=method, random_state=0).fit(log)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(truth.loc[model.labels_.index], model.labels_) == 1.0


# --------------------------------------------------------------------------------------------
# k selection (issue 12): the gain in fitness and precision of per-cluster models
# --------------------------------------------------------------------------------------------
# two kinds sharing activities a, b, c: one model of both allows a-b-c-f and a-c-b-e (imprecise),
# one model per kind is exact
TWO_KINDS = {**{f"a{i}": "abce" for i in range(5)}, "a5": "abcge", "a6": "abcge",
             **{f"b{i}": "acbf" for i in range(5)}, "b5": "achbf", "b6": "achbf"}


def pm4py_quality(log):
    """pm4py's own inductive miner, token-replay fitness and precision on a (sub-)log."""
    import pm4py

    from journeymining.cluster.scoring import quiet_pm4py

    with quiet_pm4py():
        net, im, fm = pm4py.discover_petri_net_inductive(log, noise_threshold=0.2)
        fit = pm4py.fitness_token_based_replay(log, net, im, fm)["log_fitness"]
        prec = pm4py.precision_token_based_replay(log, net, im, fm)
    return fit, prec, len(net.places) + len(net.transitions), log[C.CASE].nunique()


def test_quality_criterion_matches_pm4py_on_the_sub_logs():
    log = make_log(TWO_KINDS)
    model = VariantClusterer(random_state=0, n_bootstrap=5, quality_criterion=True).fit(log)
    assert model.n_clusters_ == 2
    assert adjusted_rand_score([c[0] for c in TWO_KINDS], model.labels_.loc[list(TWO_KINDS)]) == 1.0
    whole = pm4py_quality(log)
    parts = [pm4py_quality(log[log[C.CASE].isin(model.labels_.index[model.labels_ == c])]) for c in (0, 1)]
    n = sum(p[3] for p in parts)
    fit = sum(p[0] * p[3] for p in parts) / n
    prec = sum(p[1] * p[3] for p in parts) / n
    row = model.selection_table_.set_index("k").loc[2]
    assert row["chosen"]
    assert row["fitness"] == pytest.approx(fit) and fit == pytest.approx(1.0)
    assert row["precision"] == pytest.approx(prec)
    assert row["fitness_gain"] == pytest.approx(fit - whole[0])
    assert row["precision_gain"] == pytest.approx(prec - whole[1]) and row["precision_gain"] > 0.2
    assert row["model_size"] == parts[0][2] + parts[1][2]          # summed, not averaged
    assert model.quality_baseline_ == pytest.approx(
        {"fitness": whole[0], "precision": whole[1], "model_size": whole[2]})
    assert f"({prec - whole[1]:+.3f} over one model of the log)" in model.selection_note_
    # off by default: the columns are there, empty
    plain = VariantClusterer(random_state=0, n_bootstrap=5).fit(log)
    assert plain.selection_table_[["fitness", "precision", "fitness_gain", "precision_gain",
                                   "model_size"]].isna().all().all()
    assert plain.quality_baseline_ is None and "Per-cluster models" not in plain.selection_note_
    pd.testing.assert_frame_equal(plain.selection_table_.iloc[:, :6], model.selection_table_.iloc[:, :6])


def test_variant_model_is_discover_journeys_model():
    from journeymining.cluster.quality import partition_quality, variant_model
    from journeymining.discover import discover_journey, variant_table

    log = make_log(TWO_KINDS)
    table = variant_table(log)
    net, im, fm = variant_model(table["activities"], table["cases"])
    ref = discover_journey(log).net
    assert (len(net.places), len(net.transitions), len(net.arcs)) == (
        len(ref.places), len(ref.transitions), len(ref.arcs))
    assert sorted(str(t.label) for t in net.transitions) == sorted(str(t.label) for t in ref.transitions)
    # noise (-1) is left out; all variants in one cluster is the whole-log model
    one = partition_quality(table["activities"], table["cases"], np.zeros(len(table), int))
    assert one["model_size"] == len(ref.places) + len(ref.transitions) and one["clusters"] == 1
    only = partition_quality(table["activities"], table["cases"], np.r_[np.zeros(len(table) - 1, int), -1])
    assert only["clusters"] == 1
    assert partition_quality(table["activities"], table["cases"], np.full(len(table), -1))["clusters"] == 0


def test_precision_gain_vetoes_a_larger_k_only_at_the_same_silhouette(monkeypatch):
    from journeymining.cluster import selection

    sil = {2: 0.600, 3: 0.605, 4: 0.700}   # by number of clusters; 3 within SILHOUETTE_TIE of 2
    monkeypatch.setattr(selection, "case_silhouette", lambda D, lab, w: sil[len(set(lab))])
    monkeypatch.setattr(selection, "distinct_point_silhouette", lambda D, lab, w, points: sil[len(set(lab))])
    full = {2: np.array([0, 0, 1, 1, 1, 1]), 3: np.array([0, 0, 1, 1, 2, 2]),
            4: np.array([0, 1, 2, 2, 3, 3])}
    args = dict(points=None, n_bootstrap=0, random_state=0, min_stability=0.8, min_silhouette=0.25)

    def run(ks, precision):
        def quality(labels):
            n = len(set(labels.tolist()))
            return {"fitness": 1.0, "precision": precision[n], "model_size": 10 * n}
        return selection.select_k(ks, full, np.zeros((6, 6)), np.ones(6), None, quality=quality, **args)

    assert selection.select_k([2, 3], full, np.zeros((6, 6)), np.ones(6), None, **args)[0] == 3
    best, rows, sel = run([2, 3], {1: 0.5, 2: 0.6, 3: 0.5})        # k = 3: no gain over one model
    assert best == 2 and sel["vetoed"] == [3]
    assert [r[5] for r in rows] == [True, False] and len(rows[0]) == len(selection.SELECTION_COLUMNS)
    assert [r[9] for r in rows] == pytest.approx([0.1, 0.0]) and [r[10] for r in rows] == [20, 30]
    no_clear, text = selection.selection_sentence(sel, n_clusters="auto", method="kmeans",
                                                  min_stability=0.8, min_silhouette=0.25)
    assert "k=3 set aside: no precision gain at the same silhouette standing" in text
    assert run([2, 3], {1: 0.5, 2: 0.6, 3: 0.7})[0] == 3           # a gain: the silhouette decides
    assert run([2, 3, 4], {1: 0.5, 2: 0.6, 3: 0.7, 4: 0.4})[0] == 4  # clearly better silhouette: kept
    assert run([2, 3], {1: 0.9, 2: 0.6, 3: 0.5})[0] == 2           # no smaller k to fall back on


def test_k_selection_figure_with_model_quality():
    import matplotlib.pyplot as plt

    model = VariantClusterer(random_state=0, n_bootstrap=3, quality_criterion=True).fit(make_log(TWO_KINDS))
    fig = plot_k_selection(model)
    assert len(fig.axes) == 3                                       # criteria, quality, model size
    labels = [line.get_label() for line in fig.axes[1].get_lines()]
    assert labels[:4] == ["fitness (per-cluster models)", "precision (per-cluster models)",
                          "fitness, one model (k = 1)", "precision, one model (k = 1)"]
    assert fig.axes[1].get_title() == "per-cluster models: precision gain +0.273 at the chosen k"
    assert [p.get_height() for p in fig.axes[2].patches] == model.selection_table_["model_size"].tolist()
    one = plt.figure()
    plt.close(one)
    assert plot_k_selection(model, ax=one.add_subplot()) is one and len(one.axes) == 1
    three = plt.figure()
    plt.close(three)
    with pytest.raises(ClusteringError, match="draws on one or two Axes; got 3"):
        plot_k_selection(model, ax=three.subplots(1, 3))


def test_quality_criterion_keeps_the_planted_types():
    # noise-free, to stay fast: ETConformance replays every prefix, and 35 % noise gives ~300-400
    # variants (5-20 s per fit; the choices of all 18 noisy cases above were checked unchanged)
    log, truth = planted_journeys(4, 0, noise=0.0)
    model = VariantClusterer("edit_distance", method="agglomerative", random_state=0,
                             quality_criterion=True).fit(log)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(truth.loc[model.labels_.index], model.labels_) == 1.0
    table = model.selection_table_.set_index("k")
    assert table.loc[4, "precision_gain"] > 0 and table.loc[4, "chosen"]
    assert (table["model_size"] > model.quality_baseline_["model_size"]).all()
