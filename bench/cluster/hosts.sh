#!/usr/bin/env bash
# Three pe4j hosts sharing one virtual address, in network namespaces, for the cluster's
# end-to-end tests and benchmarks:
#
#   root namespace: client 198.51.100.10, real servers 198.51.100.20-22   (veth p4rID)
#        |  route 203.0.113.1 = ECMP over 198.51.100.1, .2, .3 (per flow)
#   pe4j-sw-ID: a bridge
#        |             |             |
#   pe4j-n1-ID     pe4j-n2-ID    pe4j-n3-ID    eth0 198.51.100.N, VIP 203.0.113.1 on lo
#
# Each node is a host of its own: its own address (the cluster's and, with --source-address, the
# one real servers answer), the VIP on lo. No NAT anywhere. Documentation ranges only (RFC 5737).
#
#   hosts.sh up ID      create them (ID: a few letters or digits)
#   hosts.sh down ID    remove them, and every process in them
#   hosts.sh cut ID N   drop node N's cluster traffic (TCP ports 7800 and 7900), both ways
#   hosts.sh heal ID N  let it through again
set -euo pipefail

cmd=${1:?usage: hosts.sh up|down|cut|heal ID [N]}
id=${2:?an ID}
SW=pe4j-sw-$id
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

case $cmd in
up)
  ip netns add "$SW"
  nsx "$SW" ip link set lo up
  nsx "$SW" ip link add br0 type bridge
  nsx "$SW" ip link set br0 up
  ip link add "p4r$id" type veth peer name r netns "$SW"
  nsx "$SW" ip link set r master br0 up
  for a in 10 20 21 22; do ip addr add "198.51.100.$a/24" dev "p4r$id"; done
  ip link set "p4r$id" up
  for i in 1 2 3; do
    n=pe4j-n$i-$id
    ip netns add "$n"
    ip link add eth0 netns "$n" type veth peer name "n$i" netns "$SW"
    nsx "$SW" ip link set "n$i" master br0 up
    nsx "$n" ip link set lo up
    nsx "$n" ip addr add "198.51.100.$i/24" dev eth0
    nsx "$n" ip addr add 203.0.113.1/32 dev lo
    nsx "$n" ip link set eth0 up
  done
  ip route add 203.0.113.1/32 nexthop via 198.51.100.1 nexthop via 198.51.100.2 \
    nexthop via 198.51.100.3
  ;;
down)
  ip route del 203.0.113.1/32 2>/dev/null || true
  for ns in "pe4j-n1-$id" "pe4j-n2-$id" "pe4j-n3-$id" "$SW"; do
    if ip netns list | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns"
    fi
  done
  ip link del "p4r$id" 2>/dev/null || true
  ;;
cut)
  nsx "pe4j-n${3:?node}-$id" nft -f - <<'NFT'
table inet pe4jcut {
  chain in { type filter hook input priority 0; tcp dport { 7800, 7900 } drop; tcp sport { 7800, 7900 } drop; }
  chain out { type filter hook output priority 0; tcp dport { 7800, 7900 } drop; tcp sport { 7800, 7900 } drop; }
}
NFT
  ;;
heal)
  nsx "pe4j-n${3:?node}-$id" nft delete table inet pe4jcut
  ;;
*)
  echo "usage: hosts.sh up|down|cut|heal ID [N]" >&2
  exit 2
  ;;
esac
