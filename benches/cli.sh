#!/usr/bin/env bash
# The command line's speed on a big scenario (issue 9): a round robin over 50
# hosts for 30 days, 22,500 busy intervals and 2,500 weekly recurring events.
# Usage: benches/cli.sh [KAIROS_BINARY] [RUNS]. Results go in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/kairos}"
runs="${2:-30}"
if [ "$bin" = target/release/kairos ]; then
    cargo build --release --quiet
fi
scenario="$(mktemp --suffix .json)"
trap 'rm -f "$scenario"' EXIT
python3 benches/cli_scenario.py > "$scenario"
python3 - "$bin" "$scenario" "$runs" <<'PY'
import statistics, subprocess, sys, time, resource
bin, scenario, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
subprocess.run([bin, "slots", "--scenario", scenario], check=True, stdout=subprocess.DEVNULL)
wall, cpu = [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([bin, "slots", "--scenario", scenario], check=True, stdout=subprocess.DEVNULL)
    wall.append((time.perf_counter() - t) * 1000)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000)
print(f"{bin}: wall median {statistics.median(wall):.1f} ms (min {min(wall):.1f}), "
      f"CPU median {statistics.median(cpu):.1f} ms over {runs} runs")
PY
"$bin" slots --scenario "$scenario" --timings 2>&1 >/dev/null | grep timings || true
