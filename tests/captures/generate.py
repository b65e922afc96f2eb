#!/usr/bin/env python3
"""Writes the hand-made captures in this folder (ssetop.capture.v1, one JSON object per line).

Each capture is a story told below in plain data: a Windows laptop with GSA and GlobalProtect
or Zscaler, what runs, what its routing table holds, which connections are open, at which
second. Run `python3 tests/captures/generate.py` after editing; the tests read the .ndjson
files, so the files are committed too.
"""

import json
import os
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = datetime(2026, 11, 2, 9, 0, 0, tzinfo=timezone.utc)
TENANT = "6b1e4f0a-1111-2222-3333-444455556666"
GSA_RANGES = ["150.171.19.0/24", "150.171.20.0/24", "13.107.232.0/24", "13.107.233.0/24",
              "150.171.15.0/24", "150.171.18.0/24", "151.206.0.0/16", "6.6.0.0/16"]


def ts(seconds):
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ok(data, at):
    return {"status": "ok", "data": data, "collected_at": ts(at), "elapsed_ms": 3}


# ---- the device -----------------------------------------------------------------------------

LOOPBACK = {"index": 1, "name": "Loopback Pseudo-Interface 1", "kind": "loopback",
            "oper_state": "up", "up": True, "addresses": ["127.0.0.1/8"]}
ETHERNET = {"index": 12, "name": "Ethernet", "description": "Intel(R) Ethernet Connection I219-LM",
            "kind": "ethernet", "oper_state": "up", "up": True, "addresses": ["192.168.1.50/24"]}
PANGP = {"index": 23, "name": "Ethernet 3", "description": "PANGP Virtual Ethernet Adapter Secure",
         "kind": "ethernet", "oper_state": "up", "up": True, "addresses": ["10.200.0.7/32"]}


def route(dest, index, name, gateway=None, metric=25):
    return {"destination": dest, "gateway": gateway, "interface_index": index,
            "interface": name, "metric": metric, "table": None, "kind": "unicast"}


BASE_ROUTES = [
    route("0.0.0.0/0", 12, "Ethernet", "192.168.1.1", 25),
    route("192.168.1.0/24", 12, "Ethernet", None, 281),
    route("127.0.0.0/8", 1, "Loopback Pseudo-Interface 1", None, 331),
]
GP_ROUTES = [
    route("0.0.0.0/0", 23, "Ethernet 3", "10.200.0.1", 1),
    route("10.200.0.7/32", 23, "Ethernet 3", None, 1),
]
EXCLUSIONS = [route(r, 12, "Ethernet", "192.168.1.1", 1) for r in GSA_RANGES]


def proc(pid, name, started, user="alice"):
    return {"pid": pid, "name": name, "exe": "C:\\Program Files\\" + name,
            "started_at": ts(started), "user": user}


GSA_PROCESSES = [
    proc(4100, "GlobalSecureAccessTunnelingService.exe", -3600, "SYSTEM"),
    proc(4101, "GlobalSecureAccessEngineService.exe", -3600, "SYSTEM"),
    proc(4102, "GlobalSecureAccessClient.exe", -3500),
]
APP_PROCESSES = [
    proc(900, "svchost.exe", -7200, "SYSTEM"),
    proc(5000, "OUTLOOK.EXE", -1200),
    proc(5100, "msedge.exe", -1100),
]


def gp_processes(started):
    return [proc(4200, "PanGPS.exe", started, "SYSTEM"), proc(4201, "PanGPA.exe", started)]


ZSCALER_PROCESSES = [
    proc(4300, "ZSATunnel.exe", -3000, "SYSTEM"),
    proc(4301, "ZSAService.exe", -3000, "SYSTEM"),
    proc(4302, "ZSATray.exe", -2900),
]


def tcp(local, remote, pid, state="ESTABLISHED"):
    return {"protocol": "tcp", "local": local, "remote": remote, "state": state, "pids": [pid]}


LISTENER = tcp("0.0.0.0:135", None, 900, "LISTEN")
GSA_TUNNEL = tcp("192.168.1.50:50100", "150.171.19.10:443", 4100)
GSA_TUNNEL_AGAIN = tcp("192.168.1.50:50177", "150.171.19.10:443", 4100)
OUTLOOK = tcp("192.168.1.50:51000", "52.96.10.10:443", 5000)
BROWSER = tcp("192.168.1.50:51100", "142.250.1.1:443", 5100)
GP_TUNNEL = tcp("192.168.1.50:50200", "203.0.113.10:443", 4200)
ZSCALER_TUNNEL = tcp("192.168.1.50:50300", "165.225.1.1:443", 4300)

# While GSA runs it acquires its own diagnostic hosts by name and answers them from its
# synthetic range (GSA's "Magic IP received" row; the guides have the other client bypass
# 6.6.0.0/16 for that reason).
EDGE_ANSWERS = {
    "internet.edgediagnostic.globalsecureaccess.microsoft.com": ["6.6.0.1"],
    "m365.edgediagnostic.globalsecureaccess.microsoft.com": ["6.6.0.2"],
    "private.edgediagnostic.globalsecureaccess.microsoft.com": ["6.6.0.3"],
    "aps.globalsecureaccess.microsoft.com": ["13.107.232.4"],
    f"{TENANT}.internet.client.globalsecureaccess.microsoft.com": ["150.171.19.11"],
    f"{TENANT}.m365.client.globalsecureaccess.microsoft.com": ["150.171.19.10"],
    f"{TENANT}.private.client.globalsecureaccess.microsoft.com": ["150.171.20.10"],
    "auth.edgediagnostic.globalsecureaccess.microsoft.com": ["150.171.15.5"],
    f"{TENANT}.auth.client.globalsecureaccess.microsoft.com": ["150.171.15.6"],
    f"{TENANT}.internet-backup.client.globalsecureaccess.microsoft.com": ["150.171.18.10"],
    f"{TENANT}.m365-backup.client.globalsecureaccess.microsoft.com": ["150.171.18.11"],
    f"{TENANT}.private-backup.client.globalsecureaccess.microsoft.com": ["150.171.18.12"],
    f"{TENANT}.auth-backup.client.globalsecureaccess.microsoft.com": ["150.171.18.13"],
}


def dns(answers):
    return [{"name": n, "status": "resolved", "addresses": a, "elapsed_ms": 12}
            for n, a in answers.items()]


def channel(cid, name, enabled):
    return {"id": cid, "name": name, "isEnabled": enabled,
            "edgesSettings": {"primaryEdges": [{"edgeAddress": f"{TENANT}.{name}.client.globalsecureaccess.microsoft.com", "edgePort": 443}],
                              "secondaryEdges": [{"edgeAddress": f"{TENANT}.{name}-backup.client.globalsecureaccess.microsoft.com", "edgePort": 443}]},
            "diagnosticUri": f"https://{name}.edgediagnostic.globalsecureaccess.microsoft.com/connectivitytest/ping"}


def ip_int(dotted):
    a, b, c, d = (int(x) for x in dotted.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def profile(internet):
    rules = [
        {"id": "m365-exchange", "channelId": "ch-m365", "order": 10, "action": "tunnel",
         "matchingCriteria": {"address": {"ips": [{"start": ip_int("52.96.0.0"), "end": ip_int("52.99.255.255")}],
                                          "fqdns": ["outlook\\.office\\.com", "outlook\\.office365\\.com"]},
                              "protocol": "tcp", "ports": [{"start": 443, "end": 443}, {"start": 80, "end": 80}]}},
        {"id": "m365-sharepoint", "channelId": "ch-m365", "order": 11, "action": "tunnel",
         "matchingCriteria": {"address": {"fqdns": ["*.sharepoint.com"]}, "protocol": "tcp",
                              "ports": {"start": 443, "end": 443}}},
    ]
    if internet:
        rules.append({"id": "internet-all", "channelId": "ch-internet", "order": 100, "action": "tunnel",
                      "matchingCriteria": {"address": {"ips": [{"start": 0, "end": 4294967295}]},
                                           "protocol": "tcp", "ports": [{"start": 80, "end": 80}, {"start": 443, "end": 443}]}})
        rules.append({"id": "internet-private-bypass", "channelId": "ch-internet", "order": 50, "action": "bypass",
                      "matchingCriteria": {"address": {"ips": [{"start": ip_int("100.64.0.0"), "end": ip_int("100.127.255.255")}]},
                                           "protocol": "any"}})
        # Microsoft's 2026 coexistence guide: ZPA's brokers must bypass GSA's Internet Access.
        rules.append({"id": "zpa-brokers-bypass", "channelId": "ch-internet", "order": 40, "action": "bypass",
                      "matchingCriteria": {"address": {"fqdns": ["*\\.prod\\.zpath\\.net"]}}})
    doc = {"policy": {"channels": [channel("ch-m365", "m365", True),
                                   channel("ch-internet", "internet", internet),
                                   channel("ch-private", "private", False)],
                      "rules": rules}}
    return json.dumps(doc)


def settings(internet):
    return {
        "forwarding_profile": {"value": {"origin": "registry", "json": profile(internet),
                                         "timestamp": "133765000000000000"}},
        "tenant_id": {"value": {"id": TENANT, "origin": "registry"}},
        "ipv6_disabled_components": {"value": 32},
    }


def snapshot(at, interfaces, routes, sockets, processes, internet=False, answers=EDGE_ANSWERS):
    return {
        "taken_at": ts(at),
        "host": {"name": "LAPTOP-7QX2", "os": "windows", "os_version": "Windows 11 Enterprise 24H2", "elevated": True},
        "routes": ok({"routes": routes, "rules": []}, at),
        "interfaces": ok(interfaces, at),
        "sockets": ok(sockets, at),
        "processes": ok(processes, at),
        "dns": ok(dns(answers), at),
        "settings": ok(settings(internet), at),
    }


def header(name):
    return {"format": "ssetop.capture.v1", "ssetop_version": "0.1.0", "host": "LAPTOP-7QX2",
            "os": "windows", "started_at": ts(0), "options": {"interval": "10s", "story": name}}


def write(name, snapshots):
    path = os.path.join(HERE, name + ".ndjson")
    with open(path, "w") as f:
        f.write(json.dumps(header(name)) + "\n")
        for s in snapshots:
            f.write(json.dumps(s, separators=(",", ":")) + "\n")


# ---- the stories ----------------------------------------------------------------------------

def globalprotect_device(at, gp_up=True, exclusions=True, gsa_tunnel=GSA_TUNNEL, gp_started=-1800):
    interfaces = [LOOPBACK, ETHERNET] + ([PANGP] if gp_up else [])
    routes = BASE_ROUTES + (GP_ROUTES if gp_up else []) + (EXCLUSIONS if gp_up and exclusions else [])
    sockets = [LISTENER, OUTLOOK, BROWSER] + ([gsa_tunnel] if gsa_tunnel else []) + ([GP_TUNNEL] if gp_up else [])
    processes = APP_PROCESSES + GSA_PROCESSES + (gp_processes(gp_started) if gp_up else [])
    return snapshot(at, interfaces, routes, sockets, processes)


# 1. Healthy setups.
write("globalprotect-healthy", [globalprotect_device(0), globalprotect_device(10)])

zpa_app = tcp("192.168.1.50:52000", "100.64.1.5:22", 5100)
write("zscaler-private-healthy", [snapshot(
    at, [LOOPBACK, ETHERNET], BASE_ROUTES,
    [LISTENER, GSA_TUNNEL, OUTLOOK, BROWSER, ZSCALER_TUNNEL, zpa_app],
    APP_PROCESSES + GSA_PROCESSES + ZSCALER_PROCESSES, internet=True) for at in (0, 10)])

proxy_listener = tcp("127.0.0.1:9000", None, 4300, "LISTEN")
proxy_client = tcp("127.0.0.1:53000", "127.0.0.1:9000", 5100)
write("zscaler-internet-healthy", [snapshot(
    at, [LOOPBACK, ETHERNET], BASE_ROUTES,
    [LISTENER, GSA_TUNNEL, OUTLOOK, ZSCALER_TUNNEL, proxy_listener, proxy_client],
    APP_PROCESSES + GSA_PROCESSES + ZSCALER_PROCESSES) for at in (0, 10)])

# 2. GlobalProtect without the GSA exclusions: every range and GSA's own tunnel go into gpd.
write("globalprotect-no-exclusions", [globalprotect_device(0, exclusions=False)])

# 3. The outage that heals: GlobalProtect comes up at 60 s, GSA's tunnel drops at 70 s and is
#    back at 230 s (2 min 40 s later).
def outage(end, back_at):
    snaps = []
    for at in range(0, end + 1, 10):
        gp_up = at >= 60
        if at < 70:
            tunnel = GSA_TUNNEL
        elif back_at is not None and at >= back_at:
            tunnel = GSA_TUNNEL_AGAIN
        else:
            tunnel = None
        snaps.append(globalprotect_device(at, gp_up=gp_up, gsa_tunnel=tunnel, gp_started=60))
    return snaps


write("outage-heals", outage(240, 230))
# 4. The outage that does not heal: still down 5 min 30 s after the drop.
write("outage-no-heal", outage(400, None))

# 5. A GSA drop with no GlobalProtect anywhere: dropped at 50 s, back at 90 s.
def gsa_only(at):
    tunnel = GSA_TUNNEL if at < 50 or at >= 90 else None
    sockets = [LISTENER, OUTLOOK] + ([tunnel] if tunnel else [])
    return snapshot(at, [LOOPBACK, ETHERNET], BASE_ROUTES, sockets, APP_PROCESSES + GSA_PROCESSES)


write("gsa-drop-without-globalprotect", [gsa_only(at) for at in range(0, 101, 10)])

# 6. One snapshot (what `--once` sees): GlobalProtect started 95 s ago, GSA has no tunnel.
write("once-outage-young", [globalprotect_device(600, gsa_tunnel=None, gp_started=505)])
# ... and GlobalProtect started 7 minutes ago: past the 5-minute threshold.
write("once-outage-old", [globalprotect_device(600, gsa_tunnel=None, gp_started=180)])

# 7. Zscaler intercepts GSA's names: an edge name answered from ZPA's synthetic range.
intercepted = dict(EDGE_ANSWERS)
intercepted["m365.edgediagnostic.globalsecureaccess.microsoft.com"] = ["100.64.0.12"]
write("zscaler-intercepts-edge-name", [snapshot(
    0, [LOOPBACK, ETHERNET], BASE_ROUTES, [LISTENER, GSA_TUNNEL, OUTLOOK, ZSCALER_TUNNEL],
    APP_PROCESSES + GSA_PROCESSES + ZSCALER_PROCESSES, answers=intercepted)])
