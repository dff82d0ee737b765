#!/usr/bin/env bash
# CPU per call of pe4j forward: one node against a 3-node cluster (SO_REUSEPORT on one address,
# --cluster with the shared template table), at the same call rate, one after the other:
#   3 x sipp -sn uac (R/3 calls/s each, so the kernel spreads them over the nodes)
#     -> pe4j forward node(s) -> 3 x sipp -sn uas
# Reports calls completed and failed, and the CPU seconds (utime+stime from /proc) of all pe4j
# processes per 1,000 calls. Usage: bench/cluster/cpu-per-call.sh [RATE] [SECONDS]
# (default 300 and 20). Needs cli/target/pe4j.jar and sipp.
set -euo pipefail
cd "$(dirname "$0")/../.."
RATE=${1:-300}
SECONDS_RUN=${2:-20}
JAR=cli/target/pe4j.jar
OUT=bench/target/cluster-cpu
rm -rf "$OUT" && mkdir -p "$OUT"
SECRET="$OUT/cluster.secret"; head -c 32 /dev/urandom | base64 > "$SECRET"; chmod 600 "$SECRET"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
free_tcp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
csv_field() {
  python3 - "$1" "$2" <<'PY'
import sys
rows=[l for l in open(sys.argv[1], encoding='latin-1').read().split('\n') if l.strip()]
h=rows[0].split(';'); print(rows[-1].split(';')[h.index(sys.argv[2])])
PY
}
echo "| nodes | calls/s | calls | completed | failed | CPU s (all nodes) | CPU s per 1,000 calls |"
echo "|---|---|---|---|---|---|---|"
for nodes in 1 3; do
  dir="$OUT/$nodes"; mkdir -p "$dir"
  SERVERS=()
  for i in 0 1 2; do
    port=$(free_port)
    (cd "$dir" && exec sipp -sn uas -i 127.0.0.1 -p "$port" -nostdin > "uas$i.log" 2>&1) &
    PIDS+=($!); SERVERS+=("$port")
  done
  vport=$(free_port)
  { echo "-A -u 127.0.0.1:$vport -s rr -p 60 -M 0.0.0.0 -o --pe sip"
    for p in "${SERVERS[@]}"; do echo "-a -u 127.0.0.1:$vport -r 127.0.0.1:$p -m -w 1"; done; } > "$dir/rules"
  members=(); for i in $(seq "$nodes"); do members+=("127.0.0.1:$(free_tcp)"); done
  list=$(IFS=,; echo "${members[*]}")
  NODE_PIDS=()
  for i in $(seq 0 $((nodes - 1))); do
    extra=()
    if [ "$nodes" -gt 1 ]; then
      extra=(--share-port --cluster "cpu-$$" --cluster-secret "$SECRET" --members "$list" --cluster-port "${members[$i]##*:}")
    fi
    java -Xmx256m -jar "$JAR" forward --rules "$dir/rules" --threads 1 "${extra[@]}" > "$dir/node$i.log" 2>&1 &
    NODE_PIDS+=($!); PIDS+=($!)
  done
  for i in $(seq 0 $((nodes - 1))); do
    for _ in $(seq 300); do grep -q ready "$dir/node$i.log" 2>/dev/null && break; sleep 0.1; done
  done
  # JIT warm-up through every node
  WARM=()
  for c in 0 1 2; do
    (cd "$dir" && sipp -sn uac "127.0.0.1:$vport" -i 127.0.0.1 -p "$(free_port)" -r 100 -m 500 -nostdin > "warm$c.log" 2>&1) &
    WARM+=($!)
  done
  for w in "${WARM[@]}"; do wait "$w" || true; done
  before=0; for p in "${NODE_PIDS[@]}"; do before=$(( before + $(ticks "$p") )); done
  calls=$(( RATE * SECONDS_RUN / 3 ))
  UACS=()
  for c in 0 1 2; do
    (cd "$dir" && sipp -sn uac "127.0.0.1:$vport" -i 127.0.0.1 -p "$(free_port)" -r $(( RATE / 3 )) -m "$calls" \
        -recv_timeout 8000 -trace_stat -stf "uac$c.csv" -fd 1 -nostdin > "uac$c.log" 2>&1) &
    UACS+=($!)
  done
  for u in "${UACS[@]}"; do wait "$u" || true; done
  after=0; for p in "${NODE_PIDS[@]}"; do after=$(( after + $(ticks "$p") )); done
  ok=0; failed=0
  for c in 0 1 2; do
    ok=$(( ok + $(csv_field "$dir/uac$c.csv" 'SuccessfulCall(C)') ))
    failed=$(( failed + $(csv_field "$dir/uac$c.csv" 'FailedCall(C)') ))
  done
  python3 - "$nodes" "$RATE" "$(( calls * 3 ))" "$ok" "$failed" "$(( after - before ))" "$(getconf CLK_TCK)" <<'PY'
import sys
n, rate, calls, ok, failed, ticks, hz = sys.argv[1:]
cpu = int(ticks) / int(hz)
print(f"| {n} | {rate} | {calls} | {ok} | {failed} | {cpu:.2f} | {1000 * cpu / max(1, int(ok)):.3f} |")
PY
  cleanup; PIDS=(); sleep 1
done
