# shellcheck shell=bash
# lib-netns.sh: a small internet in network namespaces, for the NAT and
# link tests (sourced, not run; doc/nat-tests.md).
#
#   netns_require              exit 77 (SKIP) with the reason unless we are
#                              root and `ip netns add` works
#   netns_new NAME             an empty namespace (lo up); its real name is
#                              $(netns_name NAME), unique to this run
#   netns_inet                 the router namespace "inet": one bridge, the
#                              public segment 203.0.113.0/24 (the router is
#                              203.0.113.254), and no route anywhere else
#   netns_public NAME ADDR...  a public host on the segment (ADDR: host part
#                              or full address, /24 added)
#   netns_home NAME NATTYPE    a home: namespace NAME with 192.168.K.2/24
#                              behind the NAT namespace NAME-nat (LAN
#                              192.168.K.1, WAN 203.0.113.(100+K)); NATTYPE
#                              eim (masquerade: endpoint-independent
#                              mapping) or apdm (masquerade random,fully-
#                              random: a new external port per destination);
#                              both filter: unsolicited inbound is dropped
#   netns_exec NAME CMD...     run CMD in NAME
#   netns_wan_addr NAME        the public address of home NAME's NAT
#   netns_coturn_start NS A1 A2 / netns_coturn_stop   coturn on A1 and A2
#   netns_wan                  a routed, impairable segment instead of the
#                              bridge: the router namespace "wan" sends
#                              every packet between its hosts through a TUN
#                              device to tests/net/tun-netem.py (loss,
#                              delay, jitter, reordering in user space, for
#                              kernels without sch_netem)
#   netns_wan_host NAME K      host K on it: 198.51.100.(4K+2)/30, router
#                              .(4K+1), a route to 198.51.100.0/24 only
#   netns_wan_netem ARGS...    (re)start tun-netem.py with ARGS (--loss P
#                              --delay MS --jitter MS --reorder P); its
#                              counters in $NETNS_TMP/netem.json
#   netns_cleanup              kill what runs in our namespaces, delete them
#                              and exit (netns_require registers it on
#                              EXIT); netns_teardown: the same, no exit
#
# Nothing leaves the topology: every veth has both ends in namespaces of
# this run, no namespace has a link to the host's network, and only the
# homes have a default route (to their NAT, which has none). Names carry
# the shell's pid ($$), so parallel tests do not collide.

NETNS_TAG="rl$$"
NETNS_LIST=""
NETNS_HOMES=0
NETNS_PUB_IFS=0
NETNS_TMP=""
COTURN_PID=""
NETEM_PID=""

netns_name() { echo "${NETNS_TAG}-$1"; }

netns_exec() {
  local n=$1
  shift
  ip netns exec "$(netns_name "$n")" "$@"
}

netns_require() {
  local t="${NETNS_TAG}-probe"
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: not root (network namespaces need CAP_SYS_ADMIN)"
    exit 77
  fi
  if ! command -v ip >/dev/null 2>&1; then
    echo "SKIP: ip (iproute2) is not installed"
    exit 77
  fi
  if ! ip netns add "$t" 2>/tmp/netns-probe.$$; then
    echo "SKIP: cannot create a network namespace: $(cat /tmp/netns-probe.$$)"
    rm -f /tmp/netns-probe.$$
    exit 77
  fi
  rm -f /tmp/netns-probe.$$
  ip netns del "$t"
  NETNS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rlnetns-$$.XXXXXX") || exit 99
  trap netns_cleanup EXIT
  trap 'exit 130' INT TERM
}

netns_new() {
  local ns
  ns=$(netns_name "$1")
  ip netns add "$ns" || return 1
  NETNS_LIST="$NETNS_LIST $ns"
  ip -n "$ns" link set lo up
}

# veth NS1 IF1 NS2 IF2: a veth pair with one end in each namespace.
netns_veth() {
  ip -n "$(netns_name "$1")" link add "$2" type veth peer name "$4" netns "$(netns_name "$3")" &&
    ip -n "$(netns_name "$1")" link set "$2" up &&
    ip -n "$(netns_name "$3")" link set "$4" up
}

netns_inet() {
  local r
  r=$(netns_name inet)
  netns_new inet || return 1
  ip -n "$r" link add br0 type bridge &&
    ip -n "$r" link set br0 up &&
    ip -n "$r" addr add 203.0.113.254/24 dev br0 &&
    netns_bogons inet
}

# A port of the bridge in "inet" for namespace NAME, interface IF there.
netns_plug() {
  local port
  NETNS_PUB_IFS=$((NETNS_PUB_IFS + 1))
  port="p$NETNS_PUB_IFS"
  netns_veth inet "$port" "$1" "$2" &&
    ip -n "$(netns_name inet)" link set "$port" master br0
}

netns_public() {
  local n=$1 a
  shift
  netns_new "$n" || return 1
  netns_plug "$n" eth0 || return 1
  for a in "$@"; do
    case "$a" in *.*) ;; *) a="203.0.113.$a" ;; esac
    ip -n "$(netns_name "$n")" addr add "$a/24" dev eth0 || return 1
  done
  netns_bogons "$n"
}

# netns_bogons NAME: datagrams to private addresses vanish, as on the
# internet (a provider drops them without an answer): a public host sends
# them to the router, which drops them silently. Without a route (or with
# a blackhole route) sendto(2) fails at once, and coturn then closes the
# TURN allocation whose ICE agent tried a home's host candidate through
# the relay (seen in tests/net/nat-ice.sh: the allocation closed a second
# after it was made, its checks never relayed).
NETNS_BOGONS="10.0.0.0/8 172.16.0.0/12 192.168.0.0/16"
netns_bogons() {
  local p ns
  ns=$(netns_name "$1")
  if [ "$1" = inet ]; then
    ip netns exec "$ns" nft -f - <<EOF || return 1
table ip bogons {
  chain pre {
    type filter hook prerouting priority raw; policy accept;
    ip daddr { ${NETNS_BOGONS// /, } } drop
  }
}
EOF
    return 0
  fi
  for p in $NETNS_BOGONS; do
    ip -n "$ns" route add "$p" via 203.0.113.254 || return 1
  done
}

netns_home() {
  local n=$1 type=$2 k nat home wan
  NETNS_HOMES=$((NETNS_HOMES + 1))
  k=$NETNS_HOMES
  wan="203.0.113.$((100 + k))"
  nat=$(netns_name "$n-nat")
  home=$(netns_name "$n")
  netns_new "$n-nat" || return 1
  netns_new "$n" || return 1
  netns_plug "$n-nat" wan || return 1
  ip -n "$nat" addr add "$wan/24" dev wan || return 1
  netns_veth "$n-nat" lan "$n" eth0 || return 1
  ip -n "$nat" addr add "192.168.$k.1/24" dev lan &&
    ip -n "$home" addr add "192.168.$k.2/24" dev eth0 &&
    ip -n "$home" route add default via "192.168.$k.1" || return 1
  ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1 || return 1
  local masq
  case "$type" in
    eim) masq="masquerade" ;;
    apdm) masq="masquerade random,fully-random" ;;
    *) echo "netns_home: NAT type $type: want eim or apdm" >&2; return 1 ;;
  esac
  ip netns exec "$nat" nft -f - <<EOF || return 1
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ip saddr 192.168.$k.0/24 $masq
  }
}
table ip filter {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
  }
  chain input {
    type filter hook input priority filter; policy drop;
    iifname "lo" accept
    ct state established,related accept
    iifname "lan" accept
    icmp type echo-request accept
  }
}
EOF
  echo "$wan" > "$NETNS_TMP/$n.wan"
}

netns_wan_addr() { cat "$NETNS_TMP/$1.wan"; }

# netns_coturn_start NS ADDR1 ADDR2: coturn in NS listening (and relaying)
# on both addresses, port 3478 (and 3479, RFC 5780's alternate port);
# user test:test, realm test.invalid, long-term credentials, no TLS, no
# DTLS, no CLI. Config, log, pid file and user database (coturn's
# SQLite, not the system's /var/lib/turn) in $NETNS_TMP/coturn. Waits (10 s
# at most) until it listens on both.
netns_coturn_start() {
  local ns=$1 a1=$2 a2=$3 d="$NETNS_TMP/coturn"
  mkdir -p "$d"
  cat > "$d/turnserver.conf" <<EOF
listening-ip=$a1
listening-ip=$a2
relay-ip=$a1
relay-ip=$a2
listening-port=3478
alt-listening-port=3479
min-port=49152
max-port=49999
lt-cred-mech
user=test:test
realm=test.invalid
no-tls
no-dtls
no-cli
no-multicast-peers
userdb=$d/turndb
verbose
pidfile=$d/turnserver.pid
log-file=$d/turnserver.log
simple-log
no-stdout-log
EOF
  ip netns exec "$(netns_name "$ns")" turnserver -c "$d/turnserver.conf" > "$d/stdout" 2>&1 &
  COTURN_PID=$!
  for _ in $(seq 100); do
    if [ "$(netns_exec "$ns" ss -Hlnu "sport = :3478" | wc -l)" -ge 2 ]; then return 0; fi
    kill -0 "$COTURN_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "coturn did not start listening on $a1 and $a2 (log: $d)" >&2
  tail -n 20 "$d"/turnserver*.log "$d/stdout" 2>/dev/null >&2
  return 1
}

netns_coturn_stop() {
  [ -n "$COTURN_PID" ] || return 0
  kill "$COTURN_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$COTURN_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$COTURN_PID" 2>/dev/null
  wait "$COTURN_PID" 2>/dev/null
  COTURN_PID=""
}

netns_wan() {
  local r
  r=$(netns_name wan)
  netns_new wan || return 1
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 &&
    ip netns exec "$r" sysctl -qw net.ipv4.conf.all.rp_filter=0 &&
    ip netns exec "$r" sysctl -qw net.ipv4.conf.default.rp_filter=0 || return 1
  ip -n "$r" tuntap add dev tn0 mode tun || return 1
  ip netns exec "$r" sysctl -qw net.ipv4.conf.tn0.rp_filter=0
  ip -n "$r" link set tn0 up || return 1
  # What comes back from tun-netem.py goes on to its destination (main);
  # everything else for the segment goes to tun-netem.py first.
  ip -n "$r" rule add iif tn0 lookup main pref 100 &&
    ip -n "$r" route add 198.51.100.0/24 dev tn0 table 100 &&
    ip -n "$r" rule add to 198.51.100.0/24 lookup 100 pref 200
}

netns_wan_host() {
  local n=$1 k=$2 r
  r=$(netns_name wan)
  netns_new "$n" || return 1
  netns_veth wan "h$k" "$n" eth0 || return 1
  ip -n "$r" addr add "198.51.100.$((4 * k + 1))/30" dev "h$k" &&
    ip -n "$(netns_name "$n")" addr add "198.51.100.$((4 * k + 2))/30" dev eth0 &&
    ip -n "$(netns_name "$n")" route add 198.51.100.0/24 via "198.51.100.$((4 * k + 1))"
}

netns_wan_netem() {
  local py
  # The interpreter itself (not a wrapper such as pyenv's shim, which
  # would fork it): $NETEM_PID must be the process that holds the device.
  py=$(python3 -c 'import sys; print(sys.executable)') || return 1
  netns_wan_netem_stop
  # ip netns exec itself, not the netns_exec function: in the background a
  # function runs in a forked shell, and $! would be that shell.
  ip netns exec "$(netns_name wan)" "$py" "${top_srcdir:-.}/tests/net/tun-netem.py" --dev tn0 \
    --stats "$NETNS_TMP/netem.json" "$@" > "$NETNS_TMP/netem.out" 2>&1 &
  NETEM_PID=$!
  for _ in $(seq 50); do
    # Attached: the TUN device has a carrier, and the counters are written.
    if [ "$(netns_exec wan cat /sys/class/net/tn0/carrier 2>/dev/null)" = 1 ] &&
      [ -s "$NETNS_TMP/netem.json" ]; then
      kill -0 "$NETEM_PID" 2>/dev/null && return 0
    fi
    kill -0 "$NETEM_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "tun-netem.py did not start: $(cat "$NETNS_TMP/netem.out")" >&2
  return 1
}

netns_wan_netem_stop() {
  [ -n "$NETEM_PID" ] || return 0
  kill "$NETEM_PID" 2>/dev/null
  wait "$NETEM_PID" 2>/dev/null
  NETEM_PID=""
  # Until the device is free for the next one (no carrier), and the old
  # counters out of the way.
  for _ in $(seq 50); do
    [ "$(netns_exec wan cat /sys/class/net/tn0/carrier 2>/dev/null)" = 1 ] || break
    sleep 0.1
  done
  [ -n "$NETNS_TMP" ] && [ -s "$NETNS_TMP/netem.json" ] &&
    mv "$NETNS_TMP/netem.json" "$NETNS_TMP/netem.$(date +%s%N).json"
  return 0
}

netns_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  netns_teardown
  exit "$rc"
}

# netns_teardown: netns_cleanup without the exit (for a test whose own EXIT
# trap has more to do). $NETNS_BEFORE_TEARDOWN, when set, names a function
# run first, while coturn and the namespaces still exist (e.g. peers that
# leave gracefully and release their TURN allocations).
netns_teardown() {
  local ns p
  if [ -n "${NETNS_BEFORE_TEARDOWN:-}" ]; then
    "$NETNS_BEFORE_TEARDOWN"
    NETNS_BEFORE_TEARDOWN=""
  fi
  netns_coturn_stop
  netns_wan_netem_stop
  # Whatever still runs in our namespaces was started by this test.
  for ns in $NETNS_LIST; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      kill -CONT "$p" 2>/dev/null
      kill -9 "$p" 2>/dev/null
    done
  done
  for ns in $NETNS_LIST; do ip netns del "$ns" 2>/dev/null; done
  NETNS_LIST=""
  if [ -n "$NETNS_TMP" ]; then
    if [ -n "${RL_KEEP:-}" ]; then echo "kept $NETNS_TMP"; else rm -rf "$NETNS_TMP"; fi
    NETNS_TMP=""
  fi
}
