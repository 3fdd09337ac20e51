#!/usr/bin/python3
"""Soak sampler: every --interval s, read lobbyd's /proc status, fd count and
/metrics into one CSV row; stops when --stop-file appears. Interval figures
(lines/s, loop p99) come from counter deltas between two samples, so they
describe the last interval, not the whole run."""
import argparse, os, sys, time, urllib.request

def metrics(url):
    out = {}
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if not line or line[0] == '#':
                continue
            name, _, val = line.rpartition(' ')
            try:
                out[name] = float(val)
            except ValueError:
                pass
    return out

def total(m, prefix):
    return sum(v for k, v in m.items() if k == prefix or k.startswith(prefix + '{'))

def buckets(m):
    b = []
    for k, v in m.items():
        if k.startswith('lobbyd_loop_handler_seconds_bucket{'):
            le = k.split('le="')[1].split('"')[0]
            b.append((float('inf') if le == '+Inf' else float(le), v))
    return sorted(b)

def p99(prev, cur):
    d = [(le, c - p) for (le, c), (_, p) in zip(cur, prev)]
    if not d or d[-1][1] <= 0:
        return 0.0
    want = 0.99 * d[-1][1]
    for le, c in d:
        if c >= want:
            return le
    return float('inf')

def main():
    a = argparse.ArgumentParser()
    a.add_argument('--pid', type=int, required=True)
    a.add_argument('--url', required=True)
    a.add_argument('--csv', required=True)
    a.add_argument('--interval', type=float, default=10)
    a.add_argument('--stop-file', required=True)
    o = a.parse_args()
    t0 = time.time()
    prev = None
    with open(o.csv, 'w') as f:
        f.write('t_s,rss_kb,fds,connections,registered,db_writes_queued,'
                'lines_in_per_s,lines_out_per_s,loop_p99_ms,games_finished\n')
        while not os.path.exists(o.stop_file):
            now = time.time()
            try:
                rss = next(int(l.split()[1]) for l in open(f'/proc/{o.pid}/status')
                           if l.startswith('VmRSS:'))
                fds = len(os.listdir(f'/proc/{o.pid}/fd'))
                m = metrics(o.url)
            except Exception as e:  # server gone: the summary reports it
                print(f'soak_sample: {e}', file=sys.stderr)
                break
            cur = (now, total(m, 'lobbyd_messages_in_total'),
                   total(m, 'lobbyd_messages_out_total'), buckets(m))
            lin = lout = lat = 0.0
            if prev:
                dt = max(now - prev[0], 1e-3)
                lin, lout = (cur[1] - prev[1]) / dt, (cur[2] - prev[2]) / dt
                lat = p99(prev[3], cur[3]) * 1000
            prev = cur
            f.write(f'{now - t0:.0f},{rss},{fds},{total(m, "lobbyd_connections"):.0f},'
                    f'{total(m, "lobbyd_registered_clients"):.0f},'
                    f'{total(m, "lobbyd_db_writes_queued"):.0f},{lin:.0f},{lout:.0f},'
                    f'{lat:.3f},{total(m, "lobbyd_games_finished_total"):.0f}\n')
            f.flush()
            time.sleep(max(0.0, o.interval - (time.time() - now)))

if __name__ == '__main__':
    main()
