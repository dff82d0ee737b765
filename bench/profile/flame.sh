#!/usr/bin/env bash
# Where a balancer's CPU goes at one rate, on one core: async-profiler (tools.profiler:async-profiler
# from the Maven registry, its libasyncProfiler.so loaded into the running JVM with jcmd) samples
# CPU time, Java and kernel frames, while the C generator of bench/floor feeds 421-byte INVITEs.
# The profile starts after a warm-up (so the JIT's compilations are not in it) and covers SECONDS
# at RATE; it is written as collapsed stacks and drawn as an SVG flame graph with a table of where
# the samples are (bench/profile/flame.py).
#   bash bench/profile/flame.sh BALANCER [RATE] [SECONDS] [JAR]   (default 60000 20)
#   BALANCER: pe4j | pe4j-uring | netty | netty-uring   (the last two: bench/floor/NettyFloor.java)
# Output: bench/results/flame-BALANCER-RATE.{collapsed.gz,svg,txt}
# MODE=syscalls counts the balancer's system calls instead (perf stat on its syscall tracepoints),
# per datagram received; BALANCER may then also be floor or floor-nat (the C relays of bench/floor/relay.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
balancer=$1; rate=${2:-60000}; seconds=${3:-20}; jar=${4:-cli/target/pe4j.jar}
version=4.2
lib_jar=$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar
if [ ! -f "$lib_jar" ]; then
  ./mvnw -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$version
fi
out=bench/target/profile
mkdir -p "$out" bench/results
unzip -o -q -j "$lib_jar" linux-x64/libasyncProfiler.so -d "$out"
lib=$PWD/$out/libasyncProfiler.so
gcc -O2 -pthread -o "$out/gen" bench/floor/gen.c
gcc -O2 -o "$out/relay" bench/floor/relay.c
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
vport=$(free_port); s1=$(free_port); s2=$(free_port); s3=$(free_port)
# frames between safepoints too, so a sample lands on the method it is in, not the next poll
jvm=(-Xmx1g -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints)
case $balancer in
  pe4j | pe4j-uring)
    {
      echo "-A -u 127.0.0.1:$vport -s rr -p 60 -M 0.0.0.0 -o --pe sip"
      for s in $s1 $s2 $s3; do echo "-a -u 127.0.0.1:$vport -r 127.0.0.1:$s -m -w 1"; done
    } > "$out/rules"
    transport=epoll; [ "$balancer" = pe4j-uring ] && transport=io_uring
    taskset -c 1 java "${jvm[@]}" -jar "$jar" forward --rules "$out/rules" --threads 1 \
      --transport "$transport" > "$out/run.log" 2>&1 &
    ;;
  netty | netty-uring)
    flag=(); [ "$balancer" = netty-uring ] && flag=(-u)
    taskset -c 1 java "${jvm[@]}" -cp "$jar" bench/floor/NettyFloor.java "${flag[@]}" "$vport" \
      "$s1" "$s2" "$s3" > "$out/run.log" 2>&1 &
    ;;
  floor | floor-nat)
    nat=(); [ "$balancer" = floor-nat ] && nat=(-n)
    taskset -c 1 "$out/relay" "${nat[@]}" "$vport" "$s1" "$s2" "$s3" > "$out/run.log" 2>&1 &
    ;;
  *) echo "flame.sh: unknown balancer $balancer (pe4j, pe4j-uring, netty, netty-uring, floor, floor-nat)" >&2; exit 2 ;;
esac
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q ready "$out/run.log" && break; sleep 0.1; done
grep -q ready "$out/run.log" || { cat "$out/run.log" >&2; exit 1; }
taskset -c 0 "$out/gen" "$vport" "$rate" 10 "$pid" "$s1" "$s2" "$s3" > /dev/null # warm-up
if [ "${MODE:-flame}" = syscalls ]; then
  calls=(recvmmsg recvmsg recvfrom sendmmsg sendmsg sendto epoll_pwait epoll_pwait2 epoll_wait
    io_uring_enter getsockopt futex read write)
  events=$(printf 'syscalls:sys_enter_%s,' "${calls[@]}")
  perf stat -x, -e "${events%,}" -p "$pid" -o "$out/perf.csv" -- sleep "$seconds" &
  perf_pid=$!
  result=$(taskset -c 0 "$out/gen" "$vport" "$rate" "$seconds" "$pid" "$s1" "$s2" "$s3")
  wait "$perf_pid"
  received=$(sed -E 's/.* received ([0-9]+) .*/\1/' <<< "$result")
  echo "$balancer: $result"
  awk -F, -v n="$received" '$1 ~ /^[0-9]+$/ && $1 > 0 {
      sub(/syscalls:sys_enter_/, "", $3); total += $1
      printf "  %-16s %10d  %.3f per datagram\n", $3, $1, $1 / n }
    END { printf "  %-16s %10d  %.3f per datagram\n", "all", total, total / n }' "$out/perf.csv"
  exit 0
fi
name=flame-$balancer-$rate
rm -f "$out/$name.collapsed"
java bench/profile/Attach.java "$pid" "$lib" "start,event=cpu,interval=1000000,cstack=vm,threads"
result=$(taskset -c 0 "$out/gen" "$vport" "$rate" "$seconds" "$pid" "$s1" "$s2" "$s3")
java bench/profile/Attach.java "$pid" "$lib" "stop,collapsed,threads,file=$PWD/$out/$name.collapsed"
for _ in $(seq 50); do [ -s "$out/$name.collapsed" ] && break; sleep 0.1; done
gzip -c "$out/$name.collapsed" > "bench/results/$name.collapsed.gz"
python3 bench/profile/flame.py "$out/$name.collapsed" "bench/results/$name.svg" \
  "$balancer at $rate/s on one core ($result)" > "bench/results/$name.txt"
echo "$balancer: $result"
cat "bench/results/$name.txt"
