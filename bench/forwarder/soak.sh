#!/usr/bin/env bash
# The soak of #33's duplicated replies: `pe4j forward` without -o (-s rr -p 60 -M 0.0.0.0 --pe
# sip), 200 client sockets sending a new Call-ID each time at RATE/s for SECONDS to three echo
# servers, no retransmission: any reply a client gets twice, or more than 1 s late, is counted
# and listed, with the forwarder's own counters at the end.
#   bash bench/forwarder/soak.sh [RATE] [SECONDS] [THREADS]   (default 3000 240 2)
# HEAP=256m runs the forwarder in that heap (default 1g; the default template bound is half the
# heap at 512 bytes a template).
set -euo pipefail
cd "$(dirname "$0")/../.."
rate=${1:-3000}; seconds=${2:-240}; threads=${3:-2}
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
v=$(free_port); s1=$(free_port); s2=$(free_port); s3=$(free_port)
{
  echo "-A -u 127.0.0.1:$v -s rr -p 60 -M 0.0.0.0 --pe sip"
  for s in $s1 $s2 $s3; do echo "-a -u 127.0.0.1:$v -r 127.0.0.1:$s -m -w 1"; done
} > "$tmp/rules"
java "-Xmx${HEAP:-1g}" -jar cli/target/pe4j.jar forward --rules "$tmp/rules" --threads "$threads" \
  --admin "$tmp/admin.sock" > "$tmp/fwd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/fwd.log" && break; sleep 0.1; done
java bench/forwarder/Soak.java "$v" "$s1,$s2,$s3" "$rate" "$seconds"
java -jar cli/target/pe4j.jar ipvsadm --admin "$tmp/admin.sock" --forwarder
kill "$pid"; wait "$pid" || true
rm -rf "$tmp"
