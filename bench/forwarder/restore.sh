#!/usr/bin/env bash
# Time to restore N services (one real server each) with `pe4j ipvsadm --rules FILE -Sn`, for one or
# more pe4j jars:  bash bench/forwarder/restore.sh "10000 100000" JAR [JAR...]
set -euo pipefail
sizes=$1; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for n in $sizes; do
  python3 - "$n" "$tmp/rules-$n" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, 'w') as f:
    for i in range(n):
        vip = "10.%d.%d.%d:5060" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        f.write("-A -u %s -s rr\n-a -u %s -r 192.168.0.1:5060 -m -w 1\n" % (vip, vip))
PY
done
for jar in "$@"; do
  for n in $sizes; do
    /usr/bin/time -f "$(basename "$jar"): $n services restored in %e s, peak RSS %M KB" \
      java -jar "$jar" ipvsadm --rules "$tmp/rules-$n" -Sn > /dev/null
  done
done
