#!/usr/bin/env bash
# pe4j replay on a big generated capture in a small heap: datagrams/s and the heap it needed.
#   bash bench/replay/replay.sh [CALLS] [PADDING] [HEAP] [JARS]   (default 700000 380 256m: ~1 GiB)
# JARS: several jars side by side on the same capture, alternating in each run (default
# cli/target/pe4j.jar).
# JVM="-XX:+UseParallelGC" adds options to each java (what the Debian package's pe4j does for replay).
# Needs the jar and the test classes: ./mvnw -B -q package -DskipTests -pl cli -am
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-700000}; padding=${2:-380}; heap=${3:-256m}; jars=${4:-cli/target/pe4j.jar}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
java -cp cli/target/test-classes io.pe4j.cli.SipCapture "$tmp/big.pcap" "$calls" "$padding" 700
{
  echo "-A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip"
  for i in $(seq 1 10); do echo "-a -u 10.0.0.1:5060 -r 192.168.10.$i:5060 -m -w 1"; done
} > "$tmp/rules"
echo "at 600 down 192.168.10.7:5060 remove" > "$tmp/events"
for run in 1 2 3; do
  for jar in $jars; do
    /usr/bin/time -f "run $run, $jar: %e s wall, %M KB max resident" \
      java ${JVM:-} -Xmx"$heap" -Xlog:gc:file="$tmp/gc.log" -jar "$jar" replay \
      --pcap "$tmp/big.pcap" --rules "$tmp/rules" --events "$tmp/events" > "$tmp/report"
    grep -E "^replay:|^verdict:" "$tmp/report"
    grep -o "[0-9]*M->[0-9]*M([0-9]*M)" "$tmp/gc.log" | tail -n 1 | sed 's/^/  last collection (before->after(heap)): /'
  done
done
cat "$tmp/report"
