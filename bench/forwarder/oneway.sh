#!/usr/bin/env bash
# CPU per datagram of `pe4j forward --threads 1` on one-way SIP traffic (bench/forwarder/OneWay.java),
# for one or more pe4j jars side by side in one run: the forwarder pinned to core 1, the load
# generator and sinks to core 0. Each jar runs at each rate after a 10 s warm-up at the first.
#   bash bench/forwarder/oneway.sh RATES SECONDS JAR[@OPTIONS] [JAR[@OPTIONS]...]
#   bash bench/forwarder/oneway.sh "10000 20000" 10 /tmp/before.jar cli/target/pe4j.jar
#   bash bench/forwarder/oneway.sh "30000 60000" 10 "cli/target/pe4j.jar@--transport epoll" \
#     "cli/target/pe4j.jar@--transport io_uring"      (OPTIONS: more `pe4j forward` options)
set -euo pipefail
cd "$(dirname "$0")/../.."
rates=$1; seconds=$2; shift 2
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for spec in "$@"; do
  jar=${spec%%@*}; extra=""; label=$(basename "$jar")
  if [[ $spec == *@* ]]; then extra=${spec#*@}; label="$label $extra"; fi
  tmp=$(mktemp -d)
  vport=$(free_port); s1=$(free_port); s2=$(free_port); s3=$(free_port)
  {
    echo "-A -u 127.0.0.1:$vport -s rr -p 60 -M 0.0.0.0 -o --pe sip"
    for s in $s1 $s2 $s3; do echo "-a -u 127.0.0.1:$vport -r 127.0.0.1:$s -m -w 1"; done
  } > "$tmp/rules"
  # shellcheck disable=SC2086 # extra: options, split on purpose
  taskset -c 1 java -Xmx1g -jar "$jar" forward --rules "$tmp/rules" --threads 1 $extra > "$tmp/fwd.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q ready "$tmp/fwd.log" && break; sleep 0.1; done
  first=${rates%% *}
  taskset -c 0 java bench/forwarder/OneWay.java "$vport" "$s1,$s2,$s3" "$first" 10 "$pid" > /dev/null # warm-up
  for rate in $rates; do
    echo "$label: $(taskset -c 0 java bench/forwarder/OneWay.java "$vport" "$s1,$s2,$s3" "$rate" "$seconds" "$pid")"
  done
  kill "$pid"; wait "$pid" || true
  rm -rf "$tmp"
done
