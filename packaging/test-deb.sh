#!/usr/bin/env bash
# Installs the Debian package the build made (cli/target/pe4j_*_all.deb), as root, and checks it
# the way an operator meets it: dpkg -i, the unit verified by systemd-analyze, pe4j --version and
# a demo from the installed files, nothing started by itself, a reinstall (the upgrade path), then
# dpkg -r (the conffile stays, as Debian keeps it) and dpkg -P (nothing left).
#   bash packaging/test-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls cli/target/pe4j_*_all.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || { echo "test-deb: no cli/target/pe4j_*_all.deb: run the build first" >&2; exit 2; }
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }
if dpkg -s pe4j >/dev/null 2>&1; then dpkg -P pe4j >/dev/null; fi

echo "test-deb: dpkg -i $deb"
dpkg -i "$deb"
[ -x /usr/bin/pe4j ] || fail "/usr/bin/pe4j is not installed"
for f in /usr/share/pe4j/pe4j.jar /lib/systemd/system/pe4j.service /etc/default/pe4j \
  /usr/share/doc/pe4j/README.md /usr/share/doc/pe4j/copyright \
  /usr/share/doc/pe4j/examples/rules /usr/share/doc/pe4j/examples/keepalived.conf \
  /usr/share/doc/pe4j/grafana/pe4j.json; do
  [ -f "$f" ] || fail "$f is not installed"
done
grep -qx /etc/default/pe4j /var/lib/dpkg/info/pe4j.conffiles || fail "/etc/default/pe4j is not a conffile"
if pgrep -f /usr/share/pe4j/pe4j.jar >/dev/null; then fail "the package started pe4j by itself"; fi

echo "test-deb: systemd-analyze verify pe4j.service"
out=$(systemd-analyze verify /lib/systemd/system/pe4j.service 2>&1) || fail "systemd-analyze verify: $out"
# verify prints problems of this unit as "pe4j.service:LINE: ..." even when it exits 0
if grep -E '^(/lib/systemd/system/)?pe4j\.service' <<<"$out"; then fail "systemd-analyze verify warns"; fi

# control: the same check sees a broken copy of the unit
bad=$(mktemp -d)
sed 's/^Type=notify$/Type=notifyy/' /lib/systemd/system/pe4j.service > "$bad/pe4j.service"
out=$(systemd-analyze verify "$bad/pe4j.service" 2>&1 || true)
rm -rf "$bad"
grep -q notifyy <<<"$out" || fail "control: systemd-analyze verify did not see Type=notifyy: $out"

echo "test-deb: pe4j --version"
version=$(pe4j --version) || fail "pe4j --version"
echo "$version"
grep -q pe4j <<<"$version" || fail "pe4j --version printed no name: $version"

echo "test-deb: pe4j demo --calls 200 (from the installed files)"
(cd / && pe4j demo --calls 200) | tail -n 5 || fail "pe4j demo"

echo "test-deb: pe4j replay runs with the throughput collector, unless JAVA_OPTS names one"
out=$(JAVA_OPTS=-Xlog:gc pe4j replay --help) || fail "pe4j replay --help"
grep -q "Using Parallel" <<<"$out" || fail "pe4j replay does not run with -XX:+UseParallelGC"
out=$(JAVA_OPTS="-Xlog:gc -XX:+UseSerialGC" pe4j replay --help) || fail "pe4j replay --help"
grep -q "Using Serial" <<<"$out" || fail "pe4j replay overrode the collector JAVA_OPTS chose"
out=$(JAVA_OPTS=-Xlog:gc pe4j --version) || fail "pe4j --version"
grep -q "Using G1" <<<"$out" \
  || fail "a command other than replay did not keep the JVM's default collector"

echo "test-deb: the examples load (pe4j ipvsadm --rules / --keepalived)"
pe4j ipvsadm --rules /usr/share/doc/pe4j/examples/rules -Ln | grep -q 'pe sip' \
  || fail "the example rules do not load"
pe4j ipvsadm --keepalived /usr/share/doc/pe4j/examples/keepalived.conf -Ln 2>/dev/null \
  | grep -q 'pe sip' || fail "the example keepalived.conf does not load"

echo "test-deb: reinstall (the upgrade path: prerm upgrade, postinst configure OLD)"
dpkg -i "$deb"
[ -x /usr/bin/pe4j ] || fail "/usr/bin/pe4j is gone after the reinstall"

echo "test-deb: dpkg -r pe4j"
dpkg -r pe4j
for f in /usr/bin/pe4j /usr/share/pe4j/pe4j.jar /lib/systemd/system/pe4j.service; do
  [ ! -e "$f" ] || fail "$f is left after dpkg -r"
done
[ -f /etc/default/pe4j ] || fail "dpkg -r removed the conffile /etc/default/pe4j (only purge should)"
dpkg -P pe4j
[ ! -e /etc/default/pe4j ] || fail "/etc/default/pe4j is left after dpkg -P"
echo "test-deb: ok"
