#!/usr/bin/env bash
# CPU per datagram of `pe4j forward --threads 1` in transparent mode and in full NAT, on the same
# round-trip traffic, side by side in one run, in the namespaces of topology.sh: the forwarder pinned
# to core 1 in the balancer; the client (bench/transparent/RoundTrip.java) and the echo servers on
# core 0. Each mode: 10 s warm-up at the first rate, then SECONDS at each rate; modes alternate
# ROUNDS times.
#   bash bench/transparent/cpu.sh RATES SECONDS ROUNDS JAR
#   bash bench/transparent/cpu.sh "5000 15000" 10 2 cli/target/pe4j.jar
set -euo pipefail
cd "$(dirname "$0")/../.."
rates=$1; seconds=$2; rounds=$3; jar=$(realpath "$4")
id=b$$
topo=bench/transparent/topology.sh
trap 'bash $topo down $id' EXIT
bash $topo up "$id" transparent
tmp=$(mktemp -d)
cat > "$tmp/rules" <<RULES
-A -u 203.0.113.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip
-a -u 203.0.113.1:5060 -r 192.0.2.10:5060 -m
-a -u 203.0.113.1:5060 -r 192.0.2.11:5060 -m
RULES
ip netns exec "pe4j-s-$id" taskset -c 0 java bench/transparent/RoundTrip.java servers \
  192.0.2.10:5060 192.0.2.11:5060 > "$tmp/servers.log" 2>&1 &
sleep 2
for round in $(seq "$rounds"); do
  for mode in transparent fullnat; do
    flag=""; [ $mode = transparent ] && flag=--transparent
    ip netns exec "pe4j-lb-$id" taskset -c 1 java -Xmx1g -jar "$jar" forward --rules "$tmp/rules" \
      --threads 1 $flag > "$tmp/fwd-$mode.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q ready "$tmp/fwd-$mode.log" && break; sleep 0.1; done
    first=${rates%% *}
    ip netns exec "pe4j-c-$id" taskset -c 0 java bench/transparent/RoundTrip.java client \
      198.51.100.10 203.0.113.1:5060 "$first" 10 "$pid" > /dev/null # warm-up
    for rate in $rates; do
      echo "round $round $mode: $(ip netns exec "pe4j-c-$id" taskset -c 0 java \
        bench/transparent/RoundTrip.java client 198.51.100.10 203.0.113.1:5060 "$rate" "$seconds" "$pid")"
    done
    kill "$pid"; wait "$pid" || true
  done
done
echo "servers: $(tail -1 "$tmp/servers.log")"
kill %1 2>/dev/null || true
rm -rf "$tmp"
