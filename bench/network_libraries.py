"""Which graph library computes analytics' network metrics (issue 16, ADR 8): networkx,
python-igraph (``igraph``) and rustworkx timed on synthetic interaction graphs shaped like
the canonical data set's.

Graphs (numpy, seeded): member activity follows a Zipf law (exponent 0.9), as the
generator's posting does; an edge joins two members drawn by activity (Chung–Lu), a pair
drawn again adds to its weight, until the graph has its number of distinct edges. The
degrees come out heavy-tailed (a few members talk with most, the median with a few dozen).

- ``community``: 2,000 members, 40,000 weighted edges (the busiest community, a year).
- ``instance``: 20,000 members; 50 communities of Zipf sizes (the largest 2,000), each
  drawing its members at random among the 20,000 (so members of several communities join
  them, and members of none stay isolated), 400,000 edges shared by size.

Each library runs in its own process (timings and peak memory apart) on the same edges,
given as ``interaction_edges`` returns them: ``(member id, member id, weight)`` tuples with
ids that are not 0..n-1. Timed: building the graph (ids mapped to vertices included),
density, average clustering (local clustering averaged over members with two contacts or
more; rustworkx has no local clustering: a hand-written set intersection stands in, marked
``hand_written``), transitivity, Freeman degree centralisation, betweenness (exact; on the
instance also sampled from ``--pivots`` seeded pivots, scaled by n/k — rustworkx has no
sampling; networkx's exact instance time is extrapolated from its sampled run, n/k × the
sampled time, too long to run), k-core numbers, connected components. ``peak_rss_mb`` is the
child's peak resident memory, ``graph_rss_mb`` what it grew by after the edges were made.
``agreement`` compares the libraries' values; ``sampling`` compares igraph's sampled
betweenness with its exact one at several pivot counts (top-10 brokers found, error).

igraph is a dependency (ADR 8); the others are not: ``.venv/bin/pip install networkx
rustworkx`` first. Not part of ``make bench``: about 8 minutes, most of it rustworkx's
exact betweenness of the instance.

    .venv/bin/python bench/network_libraries.py [--sizes community,instance]
        [--libraries networkx,igraph,rustworkx] [--pivots 256] [--seed 1]
        [--no-exact-instance]

Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

import numpy as np

LIBRARIES = ("networkx", "igraph", "rustworkx")
SIZES = ("community", "instance")
ZIPF_EXPONENT = 0.9
COMMUNITIES = 50
LARGEST_COMMUNITY = 2_000
SAMPLING_PIVOTS = (64, 256, 1024)
Edge = tuple[int, int, float]


# Synthetic graphs --------------------------------------------------------------------------


def _block(rng: np.random.Generator, n: int, target: int) -> tuple[np.ndarray, ...]:
    """``target`` distinct weighted edges among ``n`` members of Zipf activity (indices)."""
    weights = 1.0 / np.arange(1, n + 1) ** ZIPF_EXPONENT
    p = weights[rng.permutation(n)]
    p /= p.sum()
    target = min(target, n * (n - 1) // 2)
    keys = np.empty(0, dtype=np.int64)
    while True:
        u = rng.choice(n, size=target, p=p)
        v = rng.choice(n, size=target, p=p)
        keep = u != v
        low, high = np.minimum(u, v)[keep], np.maximum(u, v)[keep]
        keys = np.concatenate([keys, low.astype(np.int64) * n + high])
        unique, first, counts = np.unique(keys, return_index=True, return_counts=True)
        if len(unique) >= target:
            break
    chosen = np.argsort(first, kind="stable")[:target]
    return unique[chosen] // n, unique[chosen] % n, counts[chosen]


def synthetic_graph(size: str, seed: int) -> tuple[list[int], list[Edge]]:
    """Members (ids) and ``(id, id, weight)`` edges of the ``community`` or ``instance``
    shape; the same seed gives the same graph."""
    rng = np.random.default_rng(seed)
    if size == "community":
        n = LARGEST_COMMUNITY
        a, b, w = _block(rng, n, 40_000)
        pairs = {(int(x), int(y)): float(c) for x, y, c in zip(a, b, w, strict=True)}
    else:
        n = 20_000
        shares = 1.0 / np.arange(1, COMMUNITIES + 1) ** 0.9
        sizes = np.maximum(20, (LARGEST_COMMUNITY * shares).astype(int))
        budgets = (400_000 * sizes / sizes.sum()).astype(int)
        pairs = {}
        for members_count, budget in zip(sizes, budgets, strict=True):
            people = rng.choice(n, size=int(members_count), replace=False)
            a, b, w = _block(rng, int(members_count), int(budget))
            for x, y, c in zip(people[a], people[b], w, strict=True):
                key = (int(min(x, y)), int(max(x, y)))
                pairs[key] = pairs.get(key, 0.0) + float(c)
    # Member ids as the database has them: not 0..n-1, in no particular order.
    ids = (100_000 + rng.permutation(n) * 7).tolist()
    edges = [(ids[x], ids[y], weight) for (x, y), weight in pairs.items()]
    return ids, edges


def describe(members: list[int], edges: list[Edge]) -> dict[str, Any]:
    degree: dict[int, int] = dict.fromkeys(members, 0)
    for u, v, _w in edges:
        degree[u] += 1
        degree[v] += 1
    values = np.array(sorted(degree.values()))
    return {
        "nodes": len(members),
        "edges": len(edges),
        "isolated": int((values == 0).sum()),
        "degree_median": float(np.median(values)),
        "degree_p99": float(np.percentile(values, 99)),
        "degree_max": int(values.max()),
        "weight_total": float(sum(w for *_e, w in edges)),
    }


# Shared helpers ------------------------------------------------------------------------------


def centralisation(degrees: list[int]) -> float:
    """Freeman degree centralisation: Σ(max − dᵢ) / ((n − 1)(n − 2)); a star is 1."""
    n = len(degrees)
    if n < 3:
        return 0.0
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


def pivots_for(count: int, k: int, seed: int) -> list[int]:
    """``k`` vertex indices drawn with a fixed seed."""
    return sorted(random.Random(seed).sample(range(count), min(k, count)))


def top(values: list[float] | np.ndarray, ids: list[int], count: int = 10) -> list[list[Any]]:
    order = sorted(range(len(ids)), key=lambda i: (-values[i], ids[i]))[:count]
    return [[ids[i], round(float(values[i]), 3)] for i in order]


def hand_written_clustering(neighbours: list[set[int]]) -> list[float]:
    """Local clustering by set intersections (rustworkx has none): NaN below degree 2."""
    result = []
    for adjacent in neighbours:
        d = len(adjacent)
        if d < 2:
            result.append(float("nan"))
            continue
        links = sum(len(adjacent & neighbours[v]) for v in adjacent) / 2
        result.append(links / (d * (d - 1) / 2))
    return result


def mean_defined(values: list[float] | np.ndarray) -> float:
    array = np.asarray(values, dtype=float)
    return float(np.nanmean(array)) if np.isfinite(array).any() else 0.0


# One library, one graph (child process) --------------------------------------------------------


def candidate(name: str) -> Any:
    """A library under comparison: only the chosen one is a dependency (install the others
    with ``.venv/bin/pip install networkx rustworkx``), so none is imported statically."""
    return importlib.import_module(name)


class Timer:
    """Wall-clock seconds of each step, and CPU seconds of the process's threads (rustworkx
    runs betweenness on every core: its CPU time exceeds its wall time)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}

    def __call__(self, name: str, work: Callable[[], Any]) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        value = work()
        self.seconds[name] = round(time.perf_counter() - started, 4)
        self.cpu_seconds[name] = round(time.process_time() - cpu, 4)
        return value


def run_networkx(members: list[int], edges: list[Edge], options: dict[str, Any]) -> dict[str, Any]:
    nx = candidate("networkx")
    timer, out = Timer(), {}

    def build() -> Any:
        graph = nx.Graph()
        graph.add_nodes_from(members)
        graph.add_weighted_edges_from(edges)
        return graph

    graph = timer("build", build)
    out["density"] = timer("density", lambda: nx.density(graph))
    local = timer("average_clustering", lambda: nx.clustering(graph))
    out["average_clustering"] = mean_defined(
        [c if graph.degree(v) >= 2 else float("nan") for v, c in local.items()]
    )
    out["transitivity"] = timer("transitivity", lambda: nx.transitivity(graph))
    out["centralisation"] = timer(
        "centralisation", lambda: centralisation([d for _v, d in graph.degree()])
    )
    order = list(graph.nodes())
    n = len(order)
    if options["size"] == "community":
        values = timer("betweenness_exact", lambda: nx.betweenness_centrality(graph))
        out["betweenness_top"] = top([values[v] for v in order], order)
    else:
        k = options["pivots"]
        chosen = [order[i] for i in pivots_for(n, k, options["seed"])]

        raw = timer(
            "betweenness_sampled",
            lambda: nx.betweenness_centrality_subset(graph, sources=chosen, targets=order),
        )
        # The subset sum halves undirected pairs; scaled by n/k it estimates the total,
        # then normalised by (n-1)(n-2)/2 like the exact value.
        scale = 2 * (n / len(chosen)) / ((n - 1) * (n - 2))
        out["betweenness_sampled_top"] = top([raw[v] * scale for v in order], order)
        out["betweenness_exact_extrapolated_seconds"] = round(
            timer.seconds["betweenness_sampled"] * n / len(chosen), 1
        )
    cores = timer("k_core", lambda: nx.core_number(graph))
    out["core_max"] = max(cores.values())
    out["core_sum"] = sum(cores.values())
    components = timer("components", lambda: [len(c) for c in nx.connected_components(graph)])
    out["components"] = len(components)
    out["largest_component"] = max(components)
    return {"seconds": timer.seconds, "cpu_seconds": timer.cpu_seconds, "values": out}


def run_igraph(members: list[int], edges: list[Edge], options: dict[str, Any]) -> dict[str, Any]:
    ig = candidate("igraph")
    timer, out = Timer(), {}

    def build() -> Any:
        index = {member: i for i, member in enumerate(members)}
        graph = ig.Graph(n=len(members), edges=[(index[u], index[v]) for u, v, _w in edges])
        graph.es["weight"] = [w for _u, _v, w in edges]
        return graph

    graph = timer("build", build)
    n = graph.vcount()
    out["density"] = timer("density", lambda: graph.density(loops=False))
    out["average_clustering"] = timer(
        "average_clustering", lambda: graph.transitivity_avglocal_undirected(mode="nan")
    )
    out["transitivity"] = timer("transitivity", lambda: graph.transitivity_undirected())
    out["centralisation"] = timer("centralisation", lambda: centralisation(graph.degree()))
    norm = 2 / ((n - 1) * (n - 2))
    if options["size"] == "community" or options["exact_instance"]:
        values = timer("betweenness_exact", lambda: graph.betweenness(directed=False))
        exact = np.array(values) * norm
        out["betweenness_top"] = top(exact, members)
    if options["size"] == "instance":
        k = options["pivots"]
        chosen = pivots_for(n, k, options["seed"])
        raw = timer(
            "betweenness_sampled",
            lambda: graph.betweenness(directed=False, sources=chosen, targets=None),
        )
        sampled = np.array(raw) * (n / len(chosen)) * norm
        out["betweenness_sampled_top"] = top(sampled, members)
        if options["exact_instance"]:
            out["sampling"] = sampling_quality(graph, exact, members, options["seed"])
    cores = timer("k_core", lambda: graph.coreness())
    out["core_max"] = max(cores)
    out["core_sum"] = sum(cores)
    components = timer("components", lambda: graph.connected_components().sizes())
    out["components"] = len(components)
    out["largest_component"] = max(components)
    return {"seconds": timer.seconds, "cpu_seconds": timer.cpu_seconds, "values": out}


def sampling_quality(graph: Any, exact: np.ndarray, members: list[int], seed: int) -> Any:
    """igraph's sampled betweenness against its exact one, at several pivot counts."""
    n = graph.vcount()
    norm = 2 / ((n - 1) * (n - 2))
    truth = [member for member, _value in top(exact, members, 10)]
    rows = []
    for k in SAMPLING_PIVOTS:
        chosen = pivots_for(n, k, seed)
        started = time.perf_counter()
        raw = graph.betweenness(directed=False, sources=chosen, targets=None)
        seconds = time.perf_counter() - started
        estimate = np.array(raw) * (n / len(chosen)) * norm
        found = [member for member, _value in top(estimate, members, 10)]
        top_exact = np.argsort(-exact)[:10]
        error = np.abs(estimate[top_exact] - exact[top_exact]) / exact[top_exact]
        rows.append(
            {
                "pivots": k,
                "seconds": round(seconds, 2),
                "top10_found": len(set(found) & set(truth)),
                "top10_relative_error_median": round(float(np.median(error)), 3),
                "top10_relative_error_max": round(float(error.max()), 3),
            }
        )
    return rows


def run_rustworkx(members: list[int], edges: list[Edge], options: dict[str, Any]) -> dict[str, Any]:
    rx = candidate("rustworkx")
    timer, out = Timer(), {}

    def build() -> Any:
        graph = rx.PyGraph(multigraph=False)
        index = dict(zip(members, graph.add_nodes_from(members), strict=True))
        graph.add_edges_from([(index[u], index[v], w) for u, v, w in edges])
        return graph

    graph = timer("build", build)
    n = graph.num_nodes()
    out["density"] = timer(
        "density", lambda: 2 * graph.num_edges() / (n * (n - 1)) if n > 1 else 0.0
    )

    def clustering() -> float:
        neighbours = [set(graph.neighbors(v)) for v in graph.node_indices()]
        return mean_defined(hand_written_clustering(neighbours))

    out["average_clustering"] = timer("average_clustering", clustering)
    out["transitivity"] = timer("transitivity", lambda: rx.transitivity(graph))
    out["centralisation"] = timer(
        "centralisation", lambda: centralisation([graph.degree(v) for v in graph.node_indices()])
    )
    if options["size"] == "community" or options["exact_instance"]:
        values = timer("betweenness_exact", lambda: rx.betweenness_centrality(graph))
        order = list(graph.node_indices())
        out["betweenness_top"] = top([values[v] for v in order], [graph[v] for v in order])
    cores = timer("k_core", lambda: rx.core_number(graph))
    out["core_max"] = max(cores.values())
    out["core_sum"] = sum(cores.values())
    components = timer("components", lambda: [len(c) for c in rx.connected_components(graph)])
    out["components"] = len(components)
    out["largest_component"] = max(components)
    out["hand_written"] = ["average_clustering", "density", "centralisation"]
    return {"seconds": timer.seconds, "cpu_seconds": timer.cpu_seconds, "values": out}


RUNNERS = {"networkx": run_networkx, "igraph": run_igraph, "rustworkx": run_rustworkx}


def child(library: str, options: dict[str, Any]) -> dict[str, Any]:
    members, edges = synthetic_graph(options["size"], options["seed"])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = RUNNERS[library](members, edges, options)
    result["total_seconds"] = round(time.perf_counter() - started, 2)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_rss_mb"] = round(peak / 1024, 1)
    result["graph_rss_mb"] = round((peak - before) / 1024, 1)
    return result


# The parent: every library on every size, then the comparison ---------------------------------


def agreement(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The largest difference between libraries for each value, and whether the top-10
    brokers by exact betweenness are the same members."""
    values = {name: result["values"] for name, result in results.items() if "values" in result}
    out: dict[str, Any] = {}
    for key in ("density", "average_clustering", "transitivity", "centralisation"):
        found = [v[key] for v in values.values() if key in v]
        out[f"{key}_max_difference"] = float(max(found) - min(found)) if found else None
    for key in ("core_max", "core_sum", "components", "largest_component"):
        out[f"{key}_equal"] = len({v[key] for v in values.values()}) == 1
    tops = [
        [m for m, _b in v["betweenness_top"]] for v in values.values() if "betweenness_top" in v
    ]
    out["betweenness_top10_equal"] = all(t == tops[0] for t in tops) if tops else None
    scores = [
        [b for _m, b in v["betweenness_top"]] for v in values.values() if "betweenness_top" in v
    ]
    out["betweenness_top10_max_difference"] = (
        round(float(np.max(np.ptp(np.array(scores), axis=0))), 6) if len(scores) > 1 else None
    )
    return out


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--pivots", type=int, default=256)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-exact-instance", dest="exact_instance", action="store_false")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    args = parser.parse_args()
    options = {"pivots": args.pivots, "seed": args.seed, "exact_instance": args.exact_instance}
    if args.child:
        print(json.dumps(child(args.child, {**options, "size": args.size})))
        return

    report: dict[str, Any] = {
        "benchmark": "graph libraries for analytics' network metrics (ADR 8)",
        "machine": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {name: installed_version(name) for name in LIBRARIES},
        "seed": args.seed,
        "pivots": args.pivots,
        "graphs": {},
        "results": {},
        "agreement": {},
    }
    for size in args.sizes.split(","):
        members, edges = synthetic_graph(size, args.seed)
        report["graphs"][size] = describe(members, edges)
        del members, edges
        report["results"][size] = {}
        for library in args.libraries.split(","):
            print(f"== {size} {library}", file=sys.stderr, flush=True)
            command = [sys.executable, __file__, "--child", library, "--size", size]
            command += ["--pivots", str(args.pivots), "--seed", str(args.seed)]
            if not args.exact_instance:
                command.append("--no-exact-instance")
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                report["results"][size][library] = {"error": done.stderr.strip()[-500:]}
            else:
                report["results"][size][library] = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps(report["results"][size][library].get("seconds")), file=sys.stderr)
        report["agreement"][size] = agreement(report["results"][size])
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=1))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
