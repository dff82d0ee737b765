#!/usr/bin/env bash
# One-way forwarding on one core against the floor: the C relay (bench/floor/relay.c: recvmmsg,
# memmem, hash, sendmmsg; no table, no NAT) and `pe4j forward --threads 1`, each pinned to core 1,
# fed by the C generator (bench/floor/gen.c: sendmmsg in 1 ms batches from 64 sockets, 10,000
# Call-IDs, sinks with recvmmsg that check Call-ID affinity) pinned to core 0. Each balancer: a 10 s
# warm-up at the first rate, then SECONDS at each rate. First, the generator straight to a sink at
# the highest rate, to show it is not the bottleneck.
#   bash bench/floor/oneway.sh RATES SECONDS [JAR] [JVM_OPTIONS]
#   bash bench/floor/oneway.sh "30000 60000 120000 150000" 10 cli/target/pe4j.jar
# WARMUP=S sets the warm-up's seconds (default 10: at 30,000/s the JIT compiler is then still at work
# for about 2 s of the first rate's measurement, on the balancer's core); PE4J_ARGS adds arguments
# to `pe4j forward` (e.g. "--warm-up 50000").
# THREADS=2 PE4J_CPUS=0,1 runs pe4j with two event loops on both cores (the generator stays on 0).
# BALANCERS="floor floor-nat pe4j" adds the full-NAT floor (relay -n: a socket per client, epoll);
# "netty netty-nat" are the same two relays on the JVM with Netty and pe4j's socket settings
# (bench/floor/NettyFloor.java, run from JAR): the platform's floor, before any pe4j code.
# "pe4j-table" is pe4j forward with --template-store table (its own table instead of Caffeine).
# "netty-uring" and "pe4j-uring" are the Netty floor and pe4j forward on io_uring.
# "pe4j-leak" is pe4j forward with Netty's leak sampling at Netty's default level (simple), as
# before pe4j forward turned it off (BENCHMARKS.md §20).
set -euo pipefail
cd "$(dirname "$0")/../.."
rates=$1; seconds=$2; jar=${3:-cli/target/pe4j.jar}; jvm=${4:-}
out=bench/target/floor
mkdir -p "$out"
gcc -O2 -o "$out/relay" bench/floor/relay.c
gcc -O2 -pthread -o "$out/gen" bench/floor/gen.c
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
last=${rates##* }
s1=$(free_port); s2=$(free_port); s3=$(free_port)
echo "generator alone: $(taskset -c 0 "$out/gen" "$s1" "$last" "$seconds" $$ "$s1" "$s2" "$s3")"
for balancer in ${BALANCERS:-floor pe4j}; do
  vport=$(free_port); s1=$(free_port); s2=$(free_port); s3=$(free_port)
  if [ $balancer = floor ] || [ $balancer = floor-nat ]; then
    nat=(); [ $balancer = floor ] || nat=(-n)
    taskset -c 1 "$out/relay" "${nat[@]}" "$vport" "$s1" "$s2" "$s3" > "$out/relay.log" 2>&1 &
    log=$out/relay.log
  elif [ $balancer = netty ] || [ $balancer = netty-nat ] || [ $balancer = netty-uring ]; then
    nat=(); [ $balancer = netty-nat ] && nat=(-n)
    [ $balancer = netty-uring ] && nat=(-u)
    # shellcheck disable=SC2086
    taskset -c 1 java -Xmx1g $jvm -cp "$jar" bench/floor/NettyFloor.java "${nat[@]}" "$vport" \
      "$s1" "$s2" "$s3" > "$out/netty.log" 2>&1 &
    log=$out/netty.log
  else
    {
      echo "-A -u 127.0.0.1:$vport -s rr -p 60 -M 0.0.0.0 -o --pe sip"
      for s in $s1 $s2 $s3; do echo "-a -u 127.0.0.1:$vport -r 127.0.0.1:$s -m -w 1"; done
    } > "$out/rules"
    # shellcheck disable=SC2086
    store=(); [ $balancer = pe4j-table ] && store=(--template-store table)
    [ $balancer = pe4j-uring ] && store=(--transport io_uring)
    leak=(); [ $balancer = pe4j-leak ] && leak=(-Dio.netty.leakDetection.level=simple)
    taskset -c "${PE4J_CPUS:-1}" java -Xmx1g $jvm "${leak[@]}" -jar "$jar" forward --rules "$out/rules" \
      --threads "${THREADS:-1}" "${store[@]}" ${PE4J_ARGS:-} > "$out/fwd.log" 2>&1 &
    log=$out/fwd.log
  fi
  pid=$!
  for _ in $(seq 200); do grep -q ready "$log" && break; sleep 0.1; done
  taskset -c 0 "$out/gen" "$vport" "${rates%% *}" "${WARMUP:-10}" "$pid" "$s1" "$s2" "$s3" > /dev/null # warm-up
  for rate in $rates; do
    echo "$balancer: $(taskset -c 0 "$out/gen" "$vport" "$rate" "$seconds" "$pid" "$s1" "$s2" "$s3")"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
