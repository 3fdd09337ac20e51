# bench/cgroup_cap.sh: hold a server to a share of one core (sourced by
# compare.sh and ab_capped.sh). CFS bandwidth control: QUOTA µs of CPU per
# 10 ms period. A short period keeps a throttled server's stalls (at most the
# rest of the period) far below a 50 ms p99 bound. cgroup v2 (cpu.max) or v1
# (cpu.cfs_*). Needs root.
#
#   cg_setup PCT NAME   makes the group; sets CG_DIR (empty on failure, return 1)
#   cg_prefix           the command prefix that starts a process inside it:
#                       "${CG_PREFIX[@]}" cmd args...  (same pid: exec)
#   cg_remove           removes the group (its processes must have ended)
CG_DIR=""
CG_PREFIX=()
cg_setup() {
  local pct=$1 name=$2 quota=$(($1 * 100)) base
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
    base=/sys/fs/cgroup
    grep -qw cpu $base/cgroup.subtree_control || echo +cpu >$base/cgroup.subtree_control 2>/dev/null || return 1
    mkdir "$base/$name" 2>/dev/null || return 1
    CG_DIR=$base/$name
    echo "$quota 10000" >"$CG_DIR/cpu.max" || return 1
  else
    for base in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do [[ -f $base/cpu.cfs_quota_us ]] && break; done
    [[ -f $base/cpu.cfs_quota_us ]] || return 1
    mkdir "$base/$name" 2>/dev/null || return 1
    CG_DIR=$base/$name
    { echo 10000 >"$CG_DIR/cpu.cfs_period_us" && echo "$quota" >"$CG_DIR/cpu.cfs_quota_us"; } || return 1
  fi
  # shellcheck disable=SC2016  # $$ and $0 belong to the inner shell
  CG_PREFIX=(sh -c 'echo $$ >"$0" && exec "$@"' "$CG_DIR/cgroup.procs")
}
cg_remove() {
  [[ -n $CG_DIR ]] && rmdir "$CG_DIR" 2>/dev/null || true
}
