#!/usr/bin/env bash
# Loss while a balancer warms up, from its "ready" on: the C floor relay and `pe4j forward
# --threads 1` (JVM options as given), each pinned to core 1, fed by bench/floor/gen.c on core 0.
#   step: 10 s at 20,000 datagrams/s, then 10 s at 60,000/s, from "ready"
#   cold: 10 s at 40,000/s from "ready", on a fresh process
#   bash bench/floor/warmup.sh JAR ["OPTIONS" ...]   one pe4j run per OPTIONS: words starting with
#                                                    -- go to pe4j forward, others to the JVM
#   bash bench/floor/warmup.sh cli/target/pe4j.jar "" "--warm-up 50000" "-XX:TieredStopAtLevel=1"
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=$1; shift
[ $# -gt 0 ] || set -- ""
out=bench/target/floor
mkdir -p "$out"
gcc -O2 -o "$out/relay" bench/floor/relay.c
gcc -O2 -pthread -o "$out/gen" bench/floor/gen.c
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # balancer jvm_options -> sets pid vport s1 s2 s3
  vport=$(free_port); s1=$(free_port); s2=$(free_port); s3=$(free_port)
  if [ "$1" = floor ]; then
    taskset -c 1 "$out/relay" "$vport" "$s1" "$s2" "$s3" > "$out/w.log" 2>&1 &
  else
    {
      echo "-A -u 127.0.0.1:$vport -s rr -p 60 -M 0.0.0.0 -o --pe sip"
      for s in $s1 $s2 $s3; do echo "-a -u 127.0.0.1:$vport -r 127.0.0.1:$s -m -w 1"; done
    } > "$out/rules"
    jvm=(); fwd=()
    for w in $2; do case $w in --*) fwd+=("$w") ;; *) if [ ${#fwd[@]} -gt 0 ] && [[ ${fwd[-1]} == --* ]] && [[ $w != -* ]]; then fwd+=("$w"); else jvm+=("$w"); fi ;; esac; done
    taskset -c 1 java -Xmx1g "${jvm[@]}" -jar "$jar" forward --rules "$out/rules" --threads 1 "${fwd[@]}" > "$out/w.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 3000); do grep -q ready "$out/w.log" && break; sleep 0.02; done
}
run() { taskset -c 0 "$out/gen" "$vport" "$1" 10 "$pid" "$s1" "$s2" "$s3"; }
for b in floor "$@"; do
  name=$b; [ "$b" = floor ] || name="pe4j ${b:-(default JVM options)}"
  kind=$b; [ "$b" = floor ] || kind=pe4j
  start "$kind" "$b"
  echo "$name step 20k: $(run 20000)"
  echo "$name step 60k: $(run 60000)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  start "$kind" "$b"
  echo "$name cold 40k: $(run 40000)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
