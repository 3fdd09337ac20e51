#!/usr/bin/env python3
"""bench/ab.sh's reader: one lobbyd-load JSON line (stdin) -> one result line."""
import json
import sys

j = json.loads(sys.stdin.read())
label, scen = sys.argv[1], sys.argv[2]
cpu = j.get("server", {}).get("cpu_percent", 0.0)
ok = j.get("ok")
if scen == "chat":
    c = j.get("chat", {})
    per_s = c.get("deliveries_per_s", 0)
    us = cpu / 100 * 1e6 / per_s if per_s else 0
    p99 = j.get("latency_ms", {}).get("p99", 0)
    print(f"chat {label} ok={ok} server_cpu_pct={cpu:.1f} deliveries_per_s={per_s:.0f} "
          f"cpu_us_per_delivery={us:.3f} p99_ms={p99:.3f}")
else:
    g = j.get("games", {})
    print(f"games {label} ok={ok} server_cpu_pct={cpu:.1f} moves_per_s={g.get('moves_per_s', 0):.0f} "
          f"games_per_s={g.get('finished_per_s', 0):.0f}")
