#!/usr/bin/env bash
# The public slots endpoint under load, against a trivial route (/healthz) in the
# same run as the ceiling: wrk, 64 connections, release build, demo data on SQLite.
# Usage: benches/http.sh [seconds]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
cargo build --release --quiet
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
binary="$PWD/target/release/kairos"
(cd "$dir" && KAIROS_PORT="$port" RUST_LOG=warn exec "$binary" demo > out.txt 2> err.txt) &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q "listening" "$dir/out.txt" 2>/dev/null && break; sleep 0.1; done
start="$(date -u -d tomorrow +%Y-%m-%dT00:00:00Z)"
end="$(date -u -d '+31 days' +%Y-%m-%dT00:00:00Z)"
slots="http://127.0.0.1:$port/api/v1/public/ana/intro/slots?start=$start&end=$end&timezone=America/New_York"
echo "slots in one response: $(curl -s "$slots" | grep -o '"start"' | wc -l)"
echo "== ceiling: GET /healthz"
wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port/healthz"
echo "== GET slots, 30 days"
wrk -t2 -c64 -d"${seconds}s" --latency "$slots"
echo "== GET slots, 30 days, every request a different range (no cache hits)"
cat > "$dir/uncached.lua" <<LUA
local n = 0
local base = $(date -u -d tomorrow +%s)
request = function()
  n = n + 1
  local s = os.date("!%Y-%m-%dT%H:%M:%SZ", base + (n % 80000))
  local e = os.date("!%Y-%m-%dT%H:%M:%SZ", base + (n % 80000) + 30 * 86400)
  return wrk.format("GET", "/api/v1/public/ana/intro/slots?start=" .. s .. "&end=" .. e .. "&timezone=America/New_York")
end
LUA
wrk -t2 -c64 -d"${seconds}s" --latency -s "$dir/uncached.lua" "http://127.0.0.1:$port"
