#!/usr/bin/env bash
# The same SIPp load through two balancers on 127.0.0.1, one after the other:
#   sipp -sn uac  ->  balancer  ->  3 x sipp -sn uas
# 1. pe4j forward --threads 1 --warm-up 50000 with the seed's service line
#    (-s rr -p 60 -M 0.0.0.0 -o --pe sip);
# 2. Kamailio, dispatcher module, algorithm 0 (hash over the Call-ID), stateless forward(), one
#    worker process (with two, replies get reordered and about 1% of calls fail here).
# For each balancer and rate: calls completed, failed calls (client side, and the servers' side:
# a datagram sent to the wrong server makes it open a call that fails), sustained calls/s, and
# the balancer's CPU seconds per 1,000 calls (utime+stime from /proc, all its processes).
#
# Usage: bench/forwarder-vs-kamailio.sh [RATES] [SECONDS_PER_RATE]
#   default: "250 500 1000 2000" and 10. Needs ./mvnw -pl cli -am package first (cli/target/pe4j.jar).
# Every SIPp socket gets a 4 MiB buffer (-buff_size): with SIPp's 64 KiB default the uac, sharing
# the two cores with four other processes, drops responses at 4,000 calls/s whatever the balancer.
# JAR=, BALANCERS="pe4j kamailio", PE4J_THREADS=1 and PE4J_JVM= (JVM options) override;
# SYSCALLS=1 also counts the balancer's system calls per call during the load (perf stat on the
# syscall tracepoints, all its threads and processes), printed after the table. KERNEL=1 samples
# the balancer's CPU during the load (perf record -e cpu-clock, 1,000/s) and prints the CPU
# microseconds per call spent in the kernel and in user space.
# BALANCERS="netty pe4j kamailio" adds the Netty floor (bench/floor/NettyFloor.java -n, from JAR:
# no pe4j code; its "server calls" include 2,000 warm-up calls too); "pe4j-table" is pe4j with
# --template-store table.
# Installs sip-tester and kamailio with apt-get when missing. Output: a Markdown table on stdout
# (for pe4j the "server calls" column includes the 2,000 JIT warm-up calls run before measuring),
# logs under bench/target/fvk/.
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=${1:-"250 500 1000 2000"}
SECONDS_PER_RATE=${2:-10}
JAR=${JAR:-cli/target/pe4j.jar}
OUT=bench/target/fvk
[ -f "$JAR" ] || { echo "missing $JAR: run ./mvnw -B -q -pl cli -am package -DskipTests" >&2; exit 2; }
need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v kamailio >/dev/null 2>&1 || need+=(kamailio)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU ticks (utime+stime) of a process and all its descendants
cpu_ticks() {
  local pid=$1 total=0 p
  for p in $pid $(pgrep -P "$pid" || true); do
    if [ -r /proc/$p/stat ]; then
      total=$(( total + $(awk '{print $14 + $15}' /proc/$p/stat) ))
    fi
  done
  echo $total
}

csv_field() { # file column
  python3 - "$1" "$2" <<'PY'
import sys
rows=[l for l in open(sys.argv[1], encoding='latin-1').read().split('\n') if l.strip()]
h=rows[0].split(';'); print(rows[-1].split(';')[h.index(sys.argv[2])])
PY
}

start_servers() { # dir
  local dir=$1 i port
  SERVERS=()
  for i in 0 1 2; do
    port=$(free_port)
    (cd "$dir" && exec sipp -sn uas -buff_size 4194304 -i 127.0.0.1 -p "$port" -trace_stat -stf "uas$i.csv" -fd 1 -nostdin > "uas$i.log" 2>&1) &
    PIDS+=($!); SERVER_PIDS[$i]=$!; SERVERS+=("$port")
  done
  sleep 0.5
}

stop_servers() { for i in 0 1 2; do kill "${SERVER_PIDS[$i]}" 2>/dev/null || true; done; sleep 0.5; }

run_load() { # dir vip_port rate calls
  local dir=$1 vport=$2 rate=$3 calls=$4 t0 t1
  t0=$(date +%s.%N)
  (cd "$dir" && sipp -sn uac -buff_size 4194304 "127.0.0.1:$vport" -i 127.0.0.1 -p "$(free_port)" -r "$rate" -m "$calls" -l 10000 \
      -recv_timeout 8000 -timeout 300s -trace_stat -stf uac.csv -fd 1 -nostdin > uac.log 2>&1) || true
  t1=$(date +%s.%N)
  sleep 2.2 # the servers' statistics files are written every second
  ELAPSED=$(python3 -c "print($t1 - $t0)")
}

report() { # balancer rate calls dir cpu_ticks
  local name=$1 rate=$2 calls=$3 dir=$4 ticks=$5 ok failed screated=0 sfailed=0 i hz
  ok=$(csv_field "$dir/uac.csv" 'SuccessfulCall(C)')
  failed=$(csv_field "$dir/uac.csv" 'FailedCall(C)')
  for i in 0 1 2; do
    screated=$(( screated + $(csv_field "$dir/uas$i.csv" TotalCallCreated) ))
    sfailed=$(( sfailed + $(csv_field "$dir/uas$i.csv" 'FailedCall(C)') + $(csv_field "$dir/uas$i.csv" 'DeadCallMsgs(C)') ))
  done
  hz=$(getconf CLK_TCK)
  python3 - "$name" "$rate" "$calls" "$ok" "$failed" "$screated" "$sfailed" "$ELAPSED" "$ticks" "$hz" <<'PY'
import sys
name, rate, calls, ok, failed, screated, sfailed, elapsed, ticks, hz = sys.argv[1:]
cps = int(ok) / float(elapsed)
cpu = int(ticks) / int(hz)
print(f"| {name} | {rate} | {calls} | {ok} | {failed} | {screated} | {sfailed} | {cps:.0f} | {cpu:.2f} | {1000 * cpu / max(1, int(ok)):.3f} |")
PY
}

echo "| balancer | target calls/s | calls | completed | failed (client) | server calls | failed + dead at servers | sustained calls/s | CPU s | CPU s per 1,000 calls |"
echo "|---|---|---|---|---|---|---|---|---|---|"

declare -A SERVER_PIDS
SYSCALL_LINES=()
KERNEL_LINES=()
for balancer in ${BALANCERS:-pe4j kamailio}; do
  for rate in $RATES; do
    dir="$OUT/$balancer-$rate"; mkdir -p "$dir"
    calls=$(( rate * SECONDS_PER_RATE ))
    start_servers "$dir"
    vport=$(free_port)
    if [ "$balancer" = pe4j ] || [ "$balancer" = pe4j-table ]; then
      { echo "-A -u 127.0.0.1:$vport -s rr -p 60 -M 0.0.0.0 -o --pe sip"
        for p in "${SERVERS[@]}"; do echo "-a -u 127.0.0.1:$vport -r 127.0.0.1:$p -m -w 1"; done; } > "$dir/rules"
      java ${PE4J_JVM:-} -jar "$JAR" forward --rules "$dir/rules" --threads "${PE4J_THREADS:-1}" --warm-up 50000 $([ "$balancer" = pe4j-table ] && echo --template-store table) > "$dir/balancer.log" 2>&1 &
      bpid=$!; PIDS+=($bpid)
      for _ in $(seq 600); do grep -q ready "$dir/balancer.log" 2>/dev/null && break; sleep 0.1; done
      # --warm-up compiled the datagram path before ready; a short run of calls on top, as a
      # forwarder that has been up for a while would have seen
      (cd "$dir" && sipp -sn uac -buff_size 4194304 "127.0.0.1:$vport" -i 127.0.0.1 -p "$(free_port)" -r 500 -m 2000 -nostdin > warmup.log 2>&1) || true
    elif [ "$balancer" = netty ]; then
      # the platform's floor: bench/floor/NettyFloor.java -n (Netty with pe4j's socket settings, a
      # socket per client, Call-ID hash, replies back; no pe4j code), warmed as pe4j is
      java -Xmx1g ${PE4J_JVM:-} -cp "$JAR" bench/floor/NettyFloor.java -n "$vport" "${SERVERS[@]}" > "$dir/balancer.log" 2>&1 &
      bpid=$!; PIDS+=($bpid)
      for _ in $(seq 600); do grep -q ready "$dir/balancer.log" 2>/dev/null && break; sleep 0.1; done
      (cd "$dir" && sipp -sn uac -buff_size 4194304 "127.0.0.1:$vport" -i 127.0.0.1 -p "$(free_port)" -r 500 -m 2000 -nostdin > warmup.log 2>&1) || true
    else
      for p in "${SERVERS[@]}"; do echo "1 sip:127.0.0.1:$p"; done > "$dir/dispatcher.list"
      mpath=$(dirname "$(find /usr/lib -name dispatcher.so -path '*kamailio*' | head -1)")
      cat > "$dir/kamailio.cfg" <<CFG
#!KAMAILIO
debug=0
log_stderror=yes
children=1
auto_aliases=no
listen=udp:127.0.0.1:$vport
mpath="$mpath/"
loadmodule "sl.so"
loadmodule "dispatcher.so"
modparam("dispatcher", "list_file", "$PWD/$dir/dispatcher.list")
request_route {
  if (!ds_select_dst("1", "0")) {
    sl_send_reply("503", "No destination");
    exit;
  }
  forward();
}
CFG
      kamailio -f "$dir/kamailio.cfg" -DD -E > "$dir/balancer.log" 2>&1 &
      bpid=$!; PIDS+=($bpid)
      sleep 1.5
    fi
    before=$(cpu_ticks "$bpid")
    if [ -n "${SYSCALLS:-}" ]; then
      sc=(recvmmsg recvmsg recvfrom sendmmsg sendmsg sendto epoll_pwait epoll_pwait2 epoll_wait io_uring_enter
        getsockopt futex read write poll select)
      events=$(printf 'syscalls:sys_enter_%s,' "${sc[@]}")
      pids=$bpid; children=$(pgrep -d, -P "$bpid" || true); [ -z "$children" ] || pids=$pids,$children
      perf stat -x, -e "${events%,}" -p "$pids" -o "$dir/syscalls.csv" &
      perf_pid=$!
    fi
    if [ -n "${KERNEL:-}" ]; then
      pids=$bpid; children=$(pgrep -d, -P "$bpid" || true); [ -z "$children" ] || pids=$pids,$children
      perf record -q -e cpu-clock -F 1000 -p "$pids" -o "$dir/perf.data" 2>/dev/null &
      record_pid=$!
    fi
    run_load "$dir" "$vport" "$rate" "$calls"
    after=$(cpu_ticks "$bpid")
    if [ -n "${KERNEL:-}" ]; then
      kill -INT "$record_pid"; wait "$record_pid" || true
      KERNEL_LINES+=("$balancer $rate: $(perf report -i "$dir/perf.data" --sort dso --stdio 2>/dev/null |
        awk -v n="$calls" '/Event count/ { ns = $NF }
          $1 ~ /%$/ { p = $1; sub(/%/, "", p); if ($2 ~ /kernel/) k += p; else u += p }
          END { printf "%.1f us per call in the kernel, %.1f in user space (%.2f CPU s sampled)",
            ns / 1000 / n * k / 100, ns / 1000 / n * u / 100, ns / 1e9 }')")
    fi
    if [ -n "${SYSCALLS:-}" ]; then
      kill -INT "$perf_pid"; wait "$perf_pid" || true
      SYSCALL_LINES+=("$balancer $rate: $(awk -F, -v n="$calls" '$1 ~ /^[0-9]+$/ && $1 > 0 {
          sub(/syscalls:sys_enter_/, "", $3); total += $1; s = s sprintf(" %s %.1f", $3, $1 / n) }
        END { printf "%.1f per call:%s", total / n, s }' "$dir/syscalls.csv")")
    fi
    report "$balancer" "$rate" "$calls" "$dir" $(( after - before ))
    kill "$bpid" 2>/dev/null || true; wait "$bpid" 2>/dev/null || true
    stop_servers
  done
done
for line in "${SYSCALL_LINES[@]}"; do echo "system calls, $line"; done
for line in "${KERNEL_LINES[@]}"; do echo "CPU, $line"; done
