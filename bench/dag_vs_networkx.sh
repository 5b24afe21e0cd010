#!/usr/bin/env bash
# Compares the whole `deltaplan dag --json` process with networkx doing the
# same four analyses (transitive reduction, topological generations,
# lexicographic topological sort, weighted longest path) on one graph, and
# checks that both give the same answers.
#
# Usage: bench/dag_vs_networkx.sh [GRAPH.json] [DELTAPLAN_RUNS] [NETWORKX_RUNS]
# Default graph: ../shared/fixtures/kernel/random_5000_w1000.json.
# Needs go, python3 and networkx (Debian: apt-get install python3-networkx).
# Prints best-of-N wall and CPU (user+sys) seconds for each side.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
graph=${1:-$(dirname "$repo")/shared/fixtures/kernel/random_5000_w1000.json}
dp_runs=${2:-10}
nx_runs=${3:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$repo" && go build -o "$tmp/deltaplan" ./cmd/deltaplan)
python3 -c 'import networkx' || { echo "networkx is not installed" >&2; exit 2; }

cat > "$tmp/nx_dag.py" <<'PY'
import json, sys, time
t0 = time.perf_counter()
import networkx as nx
with open(sys.argv[1]) as f:
    doc = json.load(f)
g = nx.DiGraph()
g.add_nodes_from(doc["nodes"])
for e in doc["edges"]:
    g.add_edge(e[0], e[1], weight=e[2] if len(e) > 2 else 1)
t1 = time.perf_counter()
tr = nx.transitive_reduction(g)
gens = [sorted(x) for x in nx.topological_generations(g)]
lex = list(nx.lexicographical_topological_sort(g, key=str))
lp = nx.dag_longest_path(g, weight="weight")
lpl = nx.dag_longest_path_length(g, weight="weight")
t2 = time.perf_counter()
out = {"transitive_reduction": sorted([u, v] for u, v in tr.edges()),
       "generations": gens, "lexicographic_order": lex,
       "longest_path_length": lpl, "analyses_seconds": t2 - t1, "load_seconds": t1 - t0}
json.dump(out, sys.stdout)
PY

# best_of N CMD...: runs CMD N times; prints "best_wall best_cpu" seconds.
best_of() {
  local n=$1; shift
  python3 - "$n" "$@" <<'PY'
import os, resource, subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
best_wall = best_cpu = float("inf")
for _ in range(n):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
print(f"{best_wall:.4f} {best_cpu:.4f}")
PY
}

"$tmp/deltaplan" dag --json "$graph" > "$tmp/dp.json"
python3 "$tmp/nx_dag.py" "$graph" > "$tmp/nx.json"
python3 - "$tmp/dp.json" "$tmp/nx.json" <<'PY'
import json, sys
dp, nx = (json.load(open(p)) for p in sys.argv[1:3])
checks = {
    "transitive_reduction": dp["transitive_reduction"] == nx["transitive_reduction"],
    "generations": dp["generations"] == nx["generations"],
    "lexicographic_order": dp["lexicographic_order"] == nx["lexicographic_order"],
    "longest_path_length": dp["longest_path"]["length"] == nx["longest_path_length"],
}
for k, ok in checks.items():
    print(f"same {k}: {ok}")
print(f"networkx in-process: load {nx['load_seconds']:.3f} s, four analyses {nx['analyses_seconds']:.3f} s")
if not all(checks.values()):
    sys.exit(1)
PY

read -r dp_wall dp_cpu < <(best_of "$dp_runs" "$tmp/deltaplan" dag --json "$graph")
read -r nx_wall nx_cpu < <(best_of "$nx_runs" python3 "$tmp/nx_dag.py" "$graph")
echo "graph: $graph"
echo "deltaplan dag --json (best of $dp_runs): wall ${dp_wall} s, cpu ${dp_cpu} s"
echo "python3 + networkx   (best of $nx_runs): wall ${nx_wall} s, cpu ${nx_cpu} s"
python3 -c "import sys; a,b,c,d=map(float,sys.argv[1:]); print(f'speedup: wall {c/a:.0f}x, cpu {d/b:.0f}x')" "$dp_wall" "$dp_cpu" "$nx_wall" "$nx_cpu"
