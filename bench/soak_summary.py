#!/usr/bin/python3
"""Soak verdict from the CSV, the server log and the load-run log; prints the
summary and exits 1 if a goal is missed (goals: bench/soak.sh header)."""
import argparse, csv, re, sys

a = argparse.ArgumentParser()
a.add_argument('--csv'); a.add_argument('--log'); a.add_argument('--runs'); a.add_argument('--control-errors')
a.add_argument('--alive', type=int); a.add_argument('--fd-idle', type=int, nargs=2); a.add_argument('--waves', type=int)
o = a.parse_args()
rows = list(csv.DictReader(open(o.csv)))
problems = []
if len(rows) < 3:
    sys.exit(f'soak: FAIL: only {len(rows)} samples')
t_end = float(rows[-1]['t_s'])
# Warm-up: caches, pools and allocator arenas fill. At least one whole
# control-plane cycle (8 changes, 5 s apart: the profiler's first switch-on
# comes at 30-35 s and allocates its tables) and the waves after it: a
# 30-s warm-up put that step after the baseline and failed a 2-min CI run.
warm_t = max(60.0, 0.2 * t_end)
warm = next((r for r in rows if float(r['t_s']) >= warm_t), rows[-1])
rss0, rssw, rss1 = (int(r['rss_kb']) for r in (rows[0], warm, rows[-1]))
# Growth after warm-up: the end against the mean of the samples near warm-up's
# end, so one sample at a load peak does not decide.
w_i = rows.index(warm)
base = sum(int(r['rss_kb']) for r in rows[w_i:w_i + 3]) / len(rows[w_i:w_i + 3])
tail = rows[-3:]
endv = sum(int(r['rss_kb']) for r in tail) / len(tail)
growth = 100.0 * (endv - base) / base
fd0, fd1 = int(rows[0]['fds']), int(rows[-1]['fds'])
fdmax = max(int(r['fds']) for r in rows)
log = open(o.log, errors='replace').read().splitlines()
errs = [l for l in log if re.search(r'\[(error|critical)\]', l)]
runs = open(o.runs).read().splitlines()
failed = [r for r in runs if ' rc=0 ' not in r + ' ']
ctl = open(o.control_errors).read().splitlines() if o.control_errors else []
p99 = sorted(float(r['loop_p99_ms']) for r in rows[1:])
lin = [float(r['lines_in_per_s']) for r in rows[1:]]
sess = [int(r['registered']) for r in rows]
print(f'samples {len(rows)} over {t_end:.0f} s, {o.waves} load waves, {len(runs)} lobbyd-load runs')
print(f'RSS kB: start {rss0}, after warm-up ({warm["t_s"]} s) {rssw}, end {rss1}; '
      f'growth after warm-up {growth:+.2f} % (mean of 3 samples each)')
print(f'fds idle: before load {o.fd_idle[0]}, after load {o.fd_idle[1]}; sampled under load: first {fd0}, last {fd1}, max {fdmax}')
print(f'registered sessions: max {max(sess)}, end {sess[-1]}')
print(f'lines in/s: mean {sum(lin)/max(1,len(lin)):.0f}, max {max(lin):.0f}')
print(f'loop handler p99 per interval, ms: median {p99[len(p99)//2]:.3f}, max {p99[-1]:.3f}')
print(f'server [error] lines: {len(errs)}; failed lobbyd-load runs: {len(failed)}; failed control-plane changes: {len(ctl)}')
for l in errs[:5]: print('  ' + l)
for l in failed[:5]: print('  ' + l[:300])
for l in ctl[:5]: print('  ' + l)
if growth > 5: problems.append(f'RSS grew {growth:.1f} % after warm-up')
if o.fd_idle[1] > o.fd_idle[0] + 4: problems.append(f'idle fds {o.fd_idle[0]} -> {o.fd_idle[1]}')
if errs: problems.append(f'{len(errs)} error lines')
if failed: problems.append(f'{len(failed)} failed load runs')
if ctl: problems.append(f'{len(ctl)} failed control-plane changes')
if not o.alive: problems.append('lobbyd died')
print('soak: ' + ('FAIL: ' + '; '.join(problems) if problems else 'OK'))
sys.exit(1 if problems else 0)
