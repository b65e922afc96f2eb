#!/usr/bin/env bash
# The Windows build, installed from its MSI, run under Wine inside Linux network namespaces.
#
#   tests/windows/wine-scenarios.sh MSI [SCENARIO...]
#
# For each scenario: a fresh network namespace (no link to the host's network) with the
# device's interfaces and routes, a fresh WINEPREFIX booted inside it (Wine's network driver
# reports the routes of the namespace it started in), the MSI installed with msiexec, stand-in
# vendor services, drivers and processes (tests/windows/standin.c, driver.c built with mingw),
# registry values where the Windows collectors read them; then the installed
# `C:\Program Files\ssetop\ssetop.exe --once --format json` runs and its report is asserted.
#
# Scenarios: globalprotect-no-exclusions, globalprotect-exclusions, gsa-broken-host (all when
# none is named). Needs root (namespaces), wine64, mingw-w64, iproute2 and jq: without them it
# says what is missing and exits 0 ("skipped"), or 1 when SSETOP_WINE_REQUIRED=1 (CI).
# Reports are kept in $SSETOP_WINE_ARTIFACTS (default: a temporary directory, printed).
#
# GlobalProtect's adapter: on Windows ssetop knows it by its description ("PANGP Virtual
# Ethernet Adapter"); under Wine an adapter's description is its Linux name, and a Linux
# interface name cannot be that description (no spaces, 15 characters). So the scenarios run
# ssetop with a knowledge file made from its own `--dump-knowledge`, in which the `gpd*` name
# pattern (os = linux) also applies to Windows. The shipped knowledge base stays a list of facts
# about real devices, and the run also proves that `--knowledge` works in the Windows build.
set -Eeuo pipefail
trap 'echo "wine-scenarios: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "$0")" && pwd)"
WINE=${WINE:-/usr/lib/wine/wine64}
TENANT=6b1e4f0a-1111-2222-3333-444455556666
START=$(date +%s)

skip() {
  if [ "${SSETOP_WINE_REQUIRED:-0}" = 1 ]; then
    echo "wine-scenarios: FAILED: cannot run: $*" >&2
    exit 1
  fi
  echo "wine-scenarios: skipped: $*" >&2
  exit 0
}

[ $# -ge 1 ] || { echo "usage: $0 MSI [SCENARIO...]" >&2; exit 2; }
msi="$(realpath "$1")"
shift
[ -f "$msi" ] || { echo "wine-scenarios: no MSI at $msi" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
[ -x "$WINE" ] || skip "needs wine64 ($WINE)"
for tool in ip jq x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null || skip "needs $tool"
done
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(globalprotect-no-exclusions globalprotect-exclusions gsa-broken-host)

# Namespaces an earlier run left behind (killed before its cleanup): their script is gone.
for stale in $(ip netns list | awk '{ print $1 }' | grep '^ssetop-wine-' || true); do
  owner=${stale%-far}
  owner=${owner##*-}
  kill -0 "$owner" 2>/dev/null || ip netns del "$stale" 2>/dev/null || true
done

work="$(mktemp -d /tmp/ssetop-wine.XXXXXX)"
artifacts="${SSETOP_WINE_ARTIFACTS:-$work/reports}"
mkdir -p "$artifacts"
namespaces=()
prefixes=()
failures=0

cleanup() {
  local status=$? prefix ns
  [ "$status" = 0 ] || failures=$((failures + 1))
  # Stop every Windows process of each prefix (services, stand-ins) before the namespaces go.
  for prefix in "${prefixes[@]}"; do
    WINEPREFIX="$prefix" timeout 20 "$(dirname "$WINE")/wineserver" -k 2>/dev/null || true
  done
  for ns in "${namespaces[@]}"; do
    # Every Wine process of the scenario was started inside; whatever the server did not take
    # down (a driver host that lost its server) ends here.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ -n "${SSETOP_WINE_ARTIFACTS:-}" ]; then
    rm -rf "$work"
    echo "wine-scenarios: reports in $artifacts" >&2
  elif [ "$failures" = 0 ]; then
    rm -rf "$work"
  else
    # Keep the reports (inside the work directory), not the prefixes.
    rm -rf "${prefixes[@]}" 2>/dev/null || true
    echo "wine-scenarios: reports kept in $artifacts" >&2
  fi
}
trap cleanup EXIT

# --- the Windows programs the scenarios need -------------------------------------------------
mingw() { x86_64-w64-mingw32-gcc -O2 -Wall "$@"; }
mingw -o "$work/standin.exe" "$here/standin.c" -lws2_32
mingw -shared -o "$work/bcryptprimitives.dll" "$here/bcrypt_shim.c" -ladvapi32
mingw -shared -nostdlib -Wl,--subsystem,native -Wl,--entry,DriverEntry \
  -o "$work/driver.sys" "$here/driver.c" -lntoskrnl

# --- helpers ---------------------------------------------------------------------------------
ns=""
prefix=""
in_ns() { ip netns exec "$ns" env WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree=;mshtml=" DISPLAY= "$@"; }
wine() { in_ns "$WINE" "$@"; }

# Waits until FILE exists, at most SECONDS (no fixed sleeps: polls the condition).
wait_for_file() {
  local file=$1 seconds=$2 what=$3
  local deadline=$(( $(date +%s) + seconds ))
  until [ -e "$file" ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "wine-scenarios: $what did not start within ${seconds}s" >&2
      return 1
    fi
    sleep 0.1
  done
}

# A fresh device: namespace NAME with an uplink eth0 (192.0.2.2/24, the ISP at 192.0.2.1) and,
# with "gp", GlobalProtect's adapter gpd0 (10.200.0.2/24, Prisma Access at 10.200.0.1), both
# veth pairs whose far ends sit in a second namespace; a fresh prefix booted inside it, with the
# MSI installed.
new_device() {
  local name=$1 with_gp=$2
  ns="ssetop-wine-$name-$$"
  local far="$ns-far"
  namespaces+=("$ns" "$far")
  prefix="$work/prefix-$name"
  prefixes+=("$prefix")
  ip netns add "$ns"
  ip netns add "$far"
  ip -n "$ns" link set lo up
  ip -n "$far" link set lo up
  ip link add eth0 netns "$ns" type veth peer name isp0 netns "$far"
  ip -n "$ns" addr add 192.0.2.2/24 dev eth0
  ip -n "$far" addr add 192.0.2.1/24 dev isp0
  ip -n "$ns" link set eth0 up
  ip -n "$far" link set isp0 up
  if [ "$with_gp" = gp ]; then
    ip link add gpd0 netns "$ns" type veth peer name gw0 netns "$far"
    ip -n "$ns" addr add 10.200.0.2/24 dev gpd0
    ip -n "$far" addr add 10.200.0.1/24 dev gw0
    ip -n "$ns" link set gpd0 up
    ip -n "$far" link set gw0 up
  fi
  local t0
  t0=$(date +%s)
  local server
  server="$(dirname "$WINE")/wineserver"
  wine wineboot --init >/dev/null 2>&1
  # Creating the prefix leaves two services.exe behind (seen with Wine 8), which answer the
  # Service Control Manager's calls in turn. Start the prefix over: one persistent server and
  # one services.exe, both started inside the namespace (so is every later Wine process).
  in_ns "$server" -k
  in_ns "$server" -w
  in_ns "$server" -p </dev/null >/dev/null 2>&1
  wine wineboot </dev/null >/dev/null 2>&1
  local count
  count=$(pgrep -f -c 'C:\\windows\\system32\\services.exe' || true)
  echo "  services.exe processes: $count"
  echo "  prefix booted in the namespace in $(( $(date +%s) - t0 ))s"
  # Not part of the MSI: Windows has this DLL; Wine 8 does not (WINDOWS.md).
  cp "$work/bcryptprimitives.dll" "$prefix/drive_c/windows/system32/"
  t0=$(date +%s)
  wine msiexec /i "$(winepath "$msi")" /qn
  [ -f "$prefix/drive_c/Program Files/ssetop/ssetop.exe" ] || { echo "wine-scenarios: the MSI did not install ssetop.exe" >&2; return 1; }
  echo "  MSI installed in $(( $(date +%s) - t0 ))s"
  mkdir -p "$prefix/drive_c/standins" "$prefix/drive_c/ssetop-test"
  # The test knowledge file (see the top of this script).
  wine 'C:\Program Files\ssetop\ssetop.exe' --dump-knowledge > "$work/kb-dump.toml"
  sed -z 's/os = \["linux"\]\nfield = "name"\npattern = "gpd\*"/os = ["linux", "windows"]\nfield = "name"\npattern = "gpd*"/' \
    "$work/kb-dump.toml" > "$prefix/drive_c/ssetop-test/kb.toml"
  grep -q 'os = \["linux", "windows"\]' "$prefix/drive_c/ssetop-test/kb.toml" \
    || { echo "wine-scenarios: the gpd* entry of the dumped knowledge base changed; update this script" >&2; return 1; }
}

# The Z: path Wine gives a host file.
winepath() { printf 'Z:%s' "$(printf '%s' "$1" | tr / '\\')"; }

# A stand-in Windows service: NAME KIND(service|driver) START(yes|no) [stand-in options...]
service() {
  local name=$1 kind=$2 start=$3
  shift 3
  if [ "$kind" = driver ]; then
    cp "$work/driver.sys" "$prefix/drive_c/windows/system32/drivers/$name.sys"
    wine sc create "$name" type= kernel start= demand binPath= "C:\\windows\\system32\\drivers\\$name.sys" >/dev/null
    [ "$start" = yes ] && wine sc start "$name" >/dev/null
  else
    cp "$work/standin.exe" "$prefix/drive_c/standins/$name.exe"
    wine sc create "$name" start= auto binPath= "C:\\standins\\$name.exe --ready C:\\standins\\$name.ready $*" >/dev/null
    if [ "$start" = yes ]; then
      wine sc start "$name" >/dev/null
      wait_for_file "$prefix/drive_c/standins/$name.ready" 20 "service $name"
    fi
  fi
  return 0
}

# A stand-in process (not a service): NAME [stand-in options...]
process() {
  local name=$1
  shift
  cp "$work/standin.exe" "$prefix/drive_c/standins/$name"
  wine "C:\\standins\\$name" --ready "C:\\standins\\$name.ready" "$@" >"$artifacts/$name.log" 2>&1 &
  wait_for_file "$prefix/drive_c/standins/$name.ready" 20 "process $name"
}

# Imports registry values: a .reg file body on stdin.
registry() {
  { printf 'REGEDIT4\r\n\r\n'; sed 's/$/\r/'; } > "$work/import.reg"
  wine reg import "$(winepath "$work/import.reg")" >/dev/null 2>&1
}

# A REG_SZ value as a .reg file writes it.
reg_sz() { printf '"%s"="%s"' "$1" "$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

gsa_profile_and_join() {
  local profile
  profile="$(tr -d '\n' < "$here/forwarding-profile.json")"
  registry <<EOF
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Global Secure Access Client]
$(reg_sz ForwardingProfile "$profile")
"ForwardingProfileTimestamp"="133765000000000000"

[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\CloudDomainJoin\\JoinInfo\\0F5A7C3B9E2D4A1B8C6D5E4F3A2B1C0D9E8F7A6B]
"TenantId"="$TENANT"

[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip6\\Parameters]
"DisabledComponents"=dword:00000020
EOF
}

# The GSA client: its services (the tunnel holding a connection to its Microsoft 365 edge),
# and its driver.
gsa_client() {
  service GlobalSecureAccessTunnelingService service yes --connect 150.171.19.10:443
  service GlobalSecureAccessEngineService service yes
  service GlobalSecureAccessForwardingProfileService service yes
  service GlobalSecureAccessClientManagerService service yes
  service GlobalSecureAccessDriver driver yes
}

run_ssetop() {
  local name=$1
  local t0 code=0
  t0=$(date +%s)
  wine 'C:\Program Files\ssetop\ssetop.exe' --once --format json --no-dns --deadline 20s \
    --knowledge 'C:\ssetop-test\kb.toml' > "$artifacts/$name.json" 2> "$artifacts/$name.stderr" || code=$?
  echo "$code" > "$artifacts/$name.code"
  echo "  ssetop.exe --once ran in $(( $(date +%s) - t0 ))s, exit code $code"
  if [ "$(jq -r .schema "$artifacts/$name.json" 2>/dev/null)" != ssetop.report.v1 ]; then
    echo "  FAIL: $name: no JSON report (stderr: $(head -c 2000 "$artifacts/$name.stderr"))"
    failures=$((failures + 1))
  fi
}

# --- assertions ------------------------------------------------------------------------------
report=""
scenario=""
# Whether JQ-EXPRESSION prints exactly one `true` for FILE. Not `jq -e`: jq 1.6 exits 0 on
# empty input, so a missing report would pass every check.
holds() { [ "$(jq "$1" "$2" 2>/dev/null)" = true ]; }
expect() { # DESCRIPTION JQ-EXPRESSION
  if holds "$2" "$report"; then
    echo "  ok: $1"
  else
    echo "  FAIL: $scenario: $1"
    echo "        ($2)"
    failures=$((failures + 1))
  fi
}
expect_check() { # ID STATUS [DESCRIPTION]
  expect "check $1 is $2${3:+: $3}" "[.checks[] | select(.id == \"$1\") | .status] == [\"$2\"]"
}
expect_code() {
  local got
  got=$(cat "$artifacts/$scenario.code")
  if [ "$got" = "$1" ]; then echo "  ok: exit code $1"; else echo "  FAIL: $scenario: exit code $got, expected $1"; failures=$((failures + 1)); fi
}
expect_common() {
  expect "the report comes from the Windows build" '.host.os == "windows"'
  expect "routes, interfaces, processes and settings were read" \
    '[.sources[] | select(.name == ("routes","interfaces","processes","settings")) | .status] == ["ok","ok","ok","ok"]'
  expect "sockets were read" '[.sources[] | select(.name == "sockets") | .status] | .[0] == "ok" or .[0] == "partial"'
  expect "the knowledge file given with --knowledge was used" '.knowledge.origin | test("kb.toml$")'
}
# The assertions must be able to fail: an empty report, a wrong value and two answers do not hold.
printf '{"verdict":"ok","checks":[{"id":"a"},{"id":"b"}]}' > "$work/self-test.json"
holds '.verdict == "ok"' "$work/self-test.json" \
  && ! holds '.verdict == "fail"' "$work/self-test.json" \
  && ! holds '.verdict == "ok"' /dev/null \
  && ! holds '.checks[] | .id != "c"' "$work/self-test.json" \
  || { echo "wine-scenarios: the assertion helper does not work with this jq" >&2; exit 1; }

ranges='["150.171.19.0/24","150.171.20.0/24","13.107.232.0/24","13.107.233.0/24","150.171.15.0/24","150.171.18.0/24","151.206.0.0/16","6.6.0.0/16"]'

# --- the scenarios ---------------------------------------------------------------------------

# GlobalProtect takes the default route and nobody pushed the exclusions of Microsoft's guide.
globalprotect_device() {
  local name=$1
  new_device "$name" gp
  ip -n "$ns" route add default via 10.200.0.1 dev gpd0
  ip -n "$ns" route add 198.51.100.10/32 via 192.0.2.1 dev eth0   # GlobalProtect's gateway
  # The far ends live on the device's loopback, so that the connections are established.
  for a in 150.171.19.10 52.96.1.10 198.51.100.10; do ip -n "$ns" addr add "$a/32" dev lo; done
  gsa_profile_and_join
  process edge-server.exe --listen 150.171.19.10:443 --listen 52.96.1.10:443 --listen 198.51.100.10:443
  gsa_client
  service PanGPS service yes --connect 198.51.100.10:443
  process OUTLOOK.EXE --connect 52.96.1.10:443
}

scenario_globalprotect_no_exclusions() {
  globalprotect_device globalprotect-no-exclusions
  run_ssetop "$scenario"
  expect_common
  expect_code 2
  expect "the verdict is fail" '.verdict == "fail"'
  expect "setup globalprotect is detected" '.setup.id == "globalprotect" and .setup.source == "detected"'
  expect "GlobalProtect is present, with PanGPS and its adapter gpd0" \
    '.clients[] | select(.vendor == "globalprotect") | .state != "absent" and (.processes | map(.name) | index("PanGPS.exe") != null) and (.adapters | index("gpd0") != null)'
  expect "every bypass-route check fails" "[.checks[] | select(.id | startswith(\"bypass-route:\")) | .status] == [\"fail\",\"fail\",\"fail\",\"fail\",\"fail\",\"fail\",\"fail\",\"fail\"]"
  expect "one bypass-route check per GSA range" "[.checks[] | select(.id | startswith(\"bypass-route:\")) | .id | ltrimstr(\"bypass-route:\")] == $ranges"
  expect "bypass-route failures name gpd0" '[.checks[] | select(.id | startswith("bypass-route:")) | .summary | test("gpd0")] | all'
  expect_check forwarding-profile pass "the profile from the registry"
  expect "the profile was read from the registry with its channels" \
    '.checks[] | select(.id == "forwarding-profile") | (.summary | test("from registry: channels m365 enabled")) and (.evidence | any(test("channel m365 \\(ch-m365\\): enabled"))) and (.evidence | any(test("channel internet \\(ch-internet\\): disabled")))'
  expect "Outlook's connection is carried by GSA (m365) by the profile's rule" \
    '[.connections[] | select(.remote == "52.96.1.10:443" and .state == "ESTABLISHED")] | length == 1 and (.[0] | .carrier == "gsa" and .channel == "m365" and (.evidence | any(test("m365-exchange"))))'
  expect_check gsa-tunnel fail "GSA's tunnel runs inside GlobalProtect's"
  expect "gsa-tunnel names gpd0" '.checks[] | select(.id == "gsa-tunnel") | .summary | test("150.171.19.10:443.*gpd0")'
  expect_check services:gsa pass "GSA's services and driver run (Service Control Manager)"
  expect "the GSA driver is read as a running driver" \
    '.clients[] | select(.vendor == "gsa") | .services | any(.name == "GlobalSecureAccessDriver" and .state == "running")'
  expect_check services:globalprotect pass "PanGPS runs"
  expect_check entra-join pass "JoinInfo in the registry (NetGetAadJoinInformation is missing in Wine)"
  expect "entra-join names the tenant and the registry fallback" \
    ".checks[] | select(.id == \"entra-join\") | (.summary | test(\"$TENANT\")) and (.evidence | any(test(\"registry\")))"
  expect_check ipv4-preference pass
}

scenario_globalprotect_exclusions() {
  globalprotect_device globalprotect-exclusions
  # The exclusions of Microsoft's guide: GSA's eight ranges leave through the uplink.
  for r in $(jq -r '.[]' <<<"$ranges"); do ip -n "$ns" route add "$r" via 192.0.2.1 dev eth0; done
  # Browser policies pin DoH off; WinHTTP uses a proxy that GSA's names bypass.
  local proxy=proxy.contoso.com:8080 bypass='<local>;*.globalsecureaccess.microsoft.com'
  registry <<EOF
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge]
"DnsOverHttpsMode"="off"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome]
"DnsOverHttpsMode"="off"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]
"WinHttpSettings"=hex:$(winhttp_blob "$proxy" "$bypass")
EOF
  run_ssetop "$scenario"
  expect_common
  expect "every bypass-route check passes" "[.checks[] | select(.id | startswith(\"bypass-route:\")) | .status] == [\"pass\",\"pass\",\"pass\",\"pass\",\"pass\",\"pass\",\"pass\",\"pass\"]"
  expect "bypass-route passes name eth0" '[.checks[] | select(.id | startswith("bypass-route:")) | .summary | test("via eth0")] | all'
  expect_check gsa-tunnel pass "GSA's tunnel leaves through the uplink"
  expect "GSA is connected and GlobalProtect present" \
    '([.clients[] | select(.vendor == "gsa") | .state] == ["connected"]) and ([.clients[] | select(.vendor == "globalprotect") | .state != "absent"] == [true])'
  expect_check forwarding-profile pass
  expect "Outlook's connection is still carried by GSA (m365)" \
    '[.connections[] | select(.remote == "52.96.1.10:443" and .state == "ESTABLISHED")] | length == 1 and (.[0] | .carrier == "gsa" and .channel == "m365")'
  expect_check doh pass "Edge and Chrome policies pin DoH off"
  expect_check proxy pass "the WinHTTP proxy lets GSA's names bypass it"
  expect "the WinHTTP proxy was parsed from the registry blob" \
    ".checks[] | select(.id == \"proxy\") | .evidence | any(test(\"WinHTTP: proxy $proxy\"))"
  expect "no check fails" '[.checks[] | select(.status == "fail") | .id] == []'
  expect_code 0
  expect "the verdict is ok" '.verdict == "ok"'
}

# The MSI's PATH entry works in a new process, and uninstalling removes the program and it.
msi_path_and_uninstall() {
  local path_key='HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  if wine cmd /c "ssetop --version" 2>/dev/null | grep -q '^ssetop [0-9]'; then
    echo "  ok: 'ssetop' runs from the PATH the MSI set"
  else
    echo "  FAIL: $scenario: 'ssetop' is not found through PATH after the install"
    failures=$((failures + 1))
  fi
  wine msiexec /x "$(winepath "$msi")" /qn
  if [ ! -e "$prefix/drive_c/Program Files/ssetop/ssetop.exe" ] \
    && ! wine reg query "$path_key" /v PATH 2>/dev/null | grep -qi 'ssetop'; then
    echo "  ok: uninstalling removed ssetop.exe and its PATH entry"
  else
    echo "  FAIL: $scenario: uninstalling left ssetop.exe or its PATH entry behind"
    failures=$((failures + 1))
  fi
}

# GSA installed on a device that is not joined, with its driver and tunnel stopped, no
# forwarding profile, a WinHTTP proxy in the way and DoH forced on in Edge.
scenario_gsa_broken_host() {
  new_device gsa-broken-host none
  ip -n "$ns" route add default via 192.0.2.1 dev eth0
  service GlobalSecureAccessTunnelingService service no
  service GlobalSecureAccessEngineService service yes
  service GlobalSecureAccessForwardingProfileService service yes
  service GlobalSecureAccessDriver driver no
  registry <<EOF
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge]
"DnsOverHttpsMode"="secure"
"QuicAllowed"=dword:00000001

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]
"WinHttpSettings"=hex:$(winhttp_blob proxy.contoso.com:8080 '<local>')
EOF
  run_ssetop "$scenario"
  expect_common
  expect_code 2
  expect_check services:gsa fail "the tunneling service and the driver are stopped"
  expect "services:gsa names both stopped ones" \
    '.checks[] | select(.id == "services:gsa") | .summary | test("GlobalSecureAccessTunnelingService stopped") and test("GlobalSecureAccessDriver stopped")'
  expect "the stopped driver is read as a driver" \
    '.clients[] | select(.vendor == "gsa") | .services | any(.name == "GlobalSecureAccessDriver" and .state == "stopped")'
  expect_check entra-join fail "no JoinInfo while GSA is installed"
  expect_check forwarding-profile fail "no ForwardingProfile value while GSA is installed"
  expect_check proxy warn "the WinHTTP proxy does not bypass GSA's names"
  expect_check doh fail "Edge forces DoH on"
  expect_check ipv4-preference warn "DisabledComponents is not set"
  expect_check services:globalprotect skip "GlobalProtect is not installed and not expected"
  msi_path_and_uninstall
}

# The WinHTTP blob `netsh winhttp set proxy PROXY BYPASS` writes, as .reg hex bytes.
winhttp_blob() {
  local proxy=$1 bypass=$2
  le32() { printf '%02x,%02x,%02x,%02x' $(( $1 & 255 )) $(( ($1 >> 8) & 255 )) $(( ($1 >> 16) & 255 )) $(( ($1 >> 24) & 255 )); }
  text() { printf '%s' "$1" | od -An -tx1 -v | tr -s ' \n' ',' | sed 's/^,//; s/,$//'; }
  printf '%s,%s,%s,%s,%s,%s,%s' "$(le32 24)" "$(le32 1)" "$(le32 3)" \
    "$(le32 ${#proxy})" "$(text "$proxy")" "$(le32 ${#bypass})" "$(text "$bypass")"
}

for scenario in "${scenarios[@]}"; do
  started=$(date +%s)
  echo "scenario $scenario"
  fn="scenario_${scenario//-/_}"
  declare -F "$fn" >/dev/null || { echo "wine-scenarios: no scenario $scenario" >&2; exit 2; }
  report="$artifacts/$scenario.json"
  "$fn"
  # Stop this prefix's Windows processes now, not at the end: the next scenario boots its own.
  WINEPREFIX="$prefix" timeout 20 "$(dirname "$WINE")/wineserver" -k 2>/dev/null || true
  echo "  scenario took $(( $(date +%s) - started ))s"
done

echo "wine-scenarios: ${#scenarios[@]} scenario(s), $failures failure(s), $(( $(date +%s) - START ))s"
[ "$failures" = 0 ]
