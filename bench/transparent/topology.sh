#!/usr/bin/env bash
# A director between clients and real servers, in network namespaces of its own, as behind IPVS NAT:
#
#   client ns  198.51.100.10 --- 198.51.100.1  balancer ns  192.0.2.1 --- 192.0.2.10, .11  server ns
#                                  VIP 203.0.113.1 (lo)                  default route: the balancer
#
# Documentation ranges only (RFC 5737); nothing leaves the namespaces.
#
#   topology.sh up ID [transparent]   create pe4j-c-ID, pe4j-lb-ID, pe4j-s-ID; with "transparent",
#                                     the balancer's TPROXY routing too (README, Transparent mode)
#   topology.sh down ID               remove them, and everything in them
#   topology.sh counters ID           datagrams the client received: from the VIP, from servers
set -euo pipefail

cmd=${1:?usage: topology.sh up|down|counters ID [transparent]}
id=${2:?an ID (a few letters or digits)}
C=pe4j-c-$id LB=pe4j-lb-$id S=pe4j-s-$id
TPROXY_PORT=${TPROXY_PORT:-15060}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

case $cmd in
up)
  ip netns add "$C"
  ip netns add "$LB"
  ip netns add "$S"
  ip link add "c$id" netns "$C" type veth peer name "lc$id" netns "$LB"
  ip link add "s$id" netns "$S" type veth peer name "ls$id" netns "$LB"
  for ns in "$C" "$LB" "$S"; do nsx "$ns" ip link set lo up; done

  nsx "$C" ip addr add 198.51.100.10/24 dev "c$id"
  nsx "$C" ip link set "c$id" up
  nsx "$C" ip route add default via 198.51.100.1

  nsx "$LB" ip addr add 198.51.100.1/24 dev "lc$id"
  nsx "$LB" ip addr add 192.0.2.1/24 dev "ls$id"
  nsx "$LB" ip addr add 203.0.113.1/32 dev lo
  nsx "$LB" ip link set "lc$id" up
  nsx "$LB" ip link set "ls$id" up
  nsx "$LB" sysctl -qw net.ipv4.ip_forward=1

  nsx "$S" ip addr add 192.0.2.10/24 dev "s$id"
  nsx "$S" ip addr add 192.0.2.11/24 dev "s$id"
  nsx "$S" ip link set "s$id" up
  nsx "$S" ip route add default via 192.0.2.1

  # what the client receives, by source: the virtual address, or a real server directly
  nsx "$C" nft -f - <<NFT
table ip probe {
  counter from_vip {}
  counter from_servers {}
  counter from_balancer {}
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr 203.0.113.1 udp sport 5060 counter name "from_vip"
    ip saddr 192.0.2.0/24 counter name "from_servers"
    ip saddr 198.51.100.1 counter name "from_balancer"
  }
}
NFT

  if [ "${3:-}" = transparent ]; then
    # servers' datagrams to clients' addresses: to pe4j's TPROXY port, routed locally by mark 1
    nsx "$LB" ip rule add fwmark 0x1 lookup 100
    nsx "$LB" ip route add local 0.0.0.0/0 dev lo table 100
    nsx "$LB" nft -f - <<NFT
table ip pe4j {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    iifname "ls$id" meta l4proto udp fib daddr type != local tproxy to :$TPROXY_PORT meta mark set 0x1 accept
  }
}
NFT
  fi
  ;;
down)
  for ns in "$C" "$LB" "$S"; do
    if ip netns list | grep -qw "$ns"; then
      # processes left in the namespace first (a namespace outlives its name while they run)
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns"
    fi
  done
  ;;
counters)
  for c in from_vip from_servers from_balancer; do
    printf '%s %s\n' "$c" "$(nsx "$C" nft list counter ip probe "$c" | awk '/packets/ { print $2 }')"
  done
  ;;
*)
  echo "topology.sh: unknown command $cmd" >&2
  exit 2
  ;;
esac
