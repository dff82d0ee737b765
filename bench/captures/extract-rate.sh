#!/usr/bin/env bash
# Datagrams per second of `pe4j extract --engine sip --pcap`, streamed, in a 64 MB heap:
#  1. the largest real capture (sipp-branch-scenario.pcap, 8,989 SIP datagrams), as it is and
#     with its records repeated 100 times (so JVM start-up does not dominate);
#  2. a generated 1 GiB capture (make-capture.py: SIP over UDP/IPv4, fragments, TCP).
# Wall time and peak RSS from /usr/bin/time; needs a built cli/target/pe4j.jar.
#   bash bench/captures/extract-rate.sh [../shared/testdata/sip-pcaps]
set -euo pipefail
cd "$(dirname "$0")/../.."
captures=${1:-../shared/testdata/sip-pcaps}
jar=cli/target/pe4j.jar
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$captures/sipp-branch-scenario.pcap" "$tmp/x100.pcap" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
with open(sys.argv[2], 'wb') as out:
    out.write(data[:24])
    for _ in range(100):
        out.write(data[24:])
PY
python3 bench/captures/make-capture.py 1024 > "$tmp/1g.pcap"

run() {
  local label=$1 file=$2
  /usr/bin/time -f '%e %M' -o "$tmp/time" \
    java -Xmx64m -jar "$jar" extract --engine sip --pcap "$file" > "$tmp/out" 2> "$tmp/err"
  local lines seconds rss
  lines=$(wc -l < "$tmp/out")
  read -r seconds rss < "$tmp/time"
  printf '| %s | %s MB | %d | %.2f s | %d datagrams/s | %d MB |\n' "$label" \
    "$(( $(stat -c %s "$file") / 1000000 ))" "$lines" "$seconds" \
    "$(python3 -c "print(int($lines / $seconds))")" "$(( rss / 1024 ))"
}

echo '| capture | size | datagrams listed | wall (with JVM start) | rate | peak RSS |'
echo '|---|---|---|---|---|---|'
run "sipp-branch-scenario.pcap" "$captures/sipp-branch-scenario.pcap"
run "sipp-branch-scenario.pcap × 100" "$tmp/x100.pcap"
run "generated 1 GiB" "$tmp/1g.pcap"
