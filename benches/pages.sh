#!/usr/bin/env bash
# The demo's booking page in headless Chromium: page weight (gzip) and time to
# the first times shown (issue 11). Needs chromium and tests/browser's node
# modules (see tests/browser/README.md). Usage: benches/pages.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
cargo build --release --quiet
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
binary="$PWD/target/release/kairos"
(cd "$dir" && KAIROS_PORT="$port" RUST_LOG=warn exec "$binary" demo > out.txt 2> err.txt) &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q "listening" "$dir/out.txt" 2>/dev/null && break; sleep 0.1; done
node benches/pages.mjs "http://127.0.0.1:$port/ana/intro" "$runs"
