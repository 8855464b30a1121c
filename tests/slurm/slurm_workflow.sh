#!/usr/bin/env bash
# SLURM test (CTest slurm_workflow, label slurm): a one-node SLURM on this host, started by the test itself
# (munged, slurmctld, slurmd, all configured in a scratch folder), runs `make -f Makefile.workflow demo` on
# tests/workflow/tiny.yaml with RUN="srun --ntasks=1 --cpus-per-task=1" and -j 2. Then checks the report, that
# SLURM's own job-completion log (jobcomp/filetxt) holds one COMPLETED job per stage command, and that a produced
# .h5 records the SLURM job that made it. The daemons are stopped by their pids on every exit.
# Needs root and the packages of scripts/install-deps.sh; without them it exits 77, which CTest reports as Skipped.
# Usage: slurm_workflow.sh SOURCE_DIR BIN_DIR
set -euo pipefail
source_dir=$1
bin_dir=$2
skip() { echo "slurm_workflow: skipped: $*"; exit 77; }
fail() { echo "slurm_workflow: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || skip "needs root (slurmd runs jobs as their user and SlurmUser=root here)"
for program in munged slurmctld slurmd srun sinfo h5dump python3; do
  command -v "$program" >/dev/null || skip "$program is missing (bash scripts/install-deps.sh installs it)"
done

scratch=$(mktemp -d /tmp/due-slurm.XXXXXX)
chmod 700 "$scratch"
pids=()
stop_daemons() {
  local status=$?
  # A failed run can leave jobs behind: cancel them (all of this test's own cluster) before its daemons go.
  if [[ $status -ne 0 && -n ${SLURM_CONF:-} ]]; then
    timeout 10 squeue --noheader --format=%A 2>/dev/null | xargs -r timeout 10 scancel 2>/dev/null || true
  fi
  # Reverse order of start: slurmd, slurmctld, munged; each by its own pid, then waited for.
  for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do
    kill "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ $status -ne 0 && $status -ne 77 ]]; then
    for log in munged.log slurmctld.log slurmd.log; do
      [[ -f $scratch/$log ]] && { echo "--- $log (last 30 lines)" >&2; tail -n 30 "$scratch/$log" >&2; }
    done
  fi
  rm -rf "$scratch"
  exit "$status"
}
trap stop_daemons EXIT
trap 'exit 1' INT TERM

# Two free TCP ports, so that concurrent runs and a site's own SLURM (6817/6818) do not collide.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')

node=$(hostname -s)
mkdir -p "$scratch/state" "$scratch/spool" "$scratch/munge"
chmod 700 "$scratch/munge"
head -c 1024 /dev/urandom >"$scratch/munge/munge.key"
chmod 600 "$scratch/munge/munge.key"
munge_socket=$scratch/munge/munge.socket

cat >"$scratch/slurm.conf" <<EOF
ClusterName=duetest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$scratch/jobcomp.log
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdParameters=config_overrides
PlugStackConfig=$scratch/plugstack.conf
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=due Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
: >"$scratch/plugstack.conf"
export SLURM_CONF=$scratch/slurm.conf

# munged checks that its files sit in folders only root can write; --force lets it accept /tmp's sticky bit.
munged --foreground --force --socket="$munge_socket" --key-file="$scratch/munge/munge.key" \
  --log-file="$scratch/munged.log" --pid-file="$scratch/munge/munged.pid" \
  --seed-file="$scratch/munge/munged.seed" >"$scratch/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -S $munge_socket ]] && break; sleep 0.1; done
[[ -S $munge_socket ]] || fail "munged did not open its socket in 10 s"

slurmctld -D -f "$SLURM_CONF" >"$scratch/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$scratch/slurmd.out" 2>&1 &
pids+=($!)

state=
for _ in $(seq 60); do
  state=$(sinfo --noheader --nodes="$node" --format=%T 2>/dev/null || true)
  [[ $state == idle ]] && break
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a daemon (pid $pid) exited while starting"; done
  sleep 0.5
done
[[ $state == idle ]] || fail "node $node is not idle after 30 s (sinfo says '${state:-nothing}')"
echo "slurm_workflow: one-node SLURM up on $node (slurmctld port $ctld_port, slurmd port $slurmd_port)"

cd "$source_dir"
run="srun --ntasks=1 --cpus-per-task=1 --time=10"
workflow=(make -f Makefile.workflow demo RUNS="$scratch/runs" BIN="$bin_dir" BUILD_TOOLS=0
          CONFIG=tests/workflow/tiny.yaml THREADS=1 RUN="$run")
# Every stage command make will run, counted before it runs them (the report is not under RUN).
stages=$("${workflow[@]}" -n | grep -c -F "$run $bin_dir/due-" || true)
(( stages > 0 )) || fail "make -n prints no stage command under RUN"

start=$(date +%s)
if ! timeout 480 "${workflow[@]}" -j 2 >"$scratch/make.log" 2>&1; then
  tail -n 40 "$scratch/make.log" >&2
  fail "the workflow failed under srun (log above)"
fi
echo "slurm_workflow: demo on tiny phantoms through srun took $(( $(date +%s) - start )) s ($stages stages)"

report=$scratch/runs/demo/report.md
[[ -s $report ]] || fail "no report at $report"
grep -q '^### Table 1' "$report" || fail "the report has no Table 1"
for method in baseline baseline-plus due-unweighted due haics gradia res-g; do
  grep -q "^| $method | 1 |" "$report" || fail "Table 1 has no row for $method"
done

# SLURM's own record: one line per finished job in the job-completion log, written by slurmctld.
jobcomp=$scratch/jobcomp.log
for _ in $(seq 20); do
  [[ -f $jobcomp ]] && (( $(wc -l <"$jobcomp") >= stages )) && break
  sleep 0.5
done
[[ -f $jobcomp ]] || fail "slurmctld wrote no job-completion log"
jobs=$(grep -c 'JobId=' "$jobcomp" || true)
completed=$(grep -c 'JobState=COMPLETED' "$jobcomp" || true)
due_jobs=$(grep -c 'Name=due-' "$jobcomp" || true)
echo "slurm_workflow: jobcomp log: $jobs jobs, $completed COMPLETED, $due_jobs named due-*; make -n listed $stages stages"
[[ $jobs -eq $stages ]] || { cat "$jobcomp" >&2; fail "$jobs jobs in the completion log for $stages stages"; }
[[ $completed -eq $stages ]] || { grep -v 'JobState=COMPLETED' "$jobcomp" >&2; fail "not every job COMPLETED"; }
[[ $due_jobs -eq $stages ]] || { cat "$jobcomp" >&2; fail "not every job ran a due- stage"; }

# Provenance: the prepared dataset records the job that wrote it, one of the jobs in the log.
dataset=$scratch/runs/demo/dataset.h5
# (h5dump fails on a missing attribute: `|| true` lets the check below say so.)
job_id=$(h5dump -a /slurm_job_id "$dataset" 2>/dev/null | sed -n 's/.*(0): "\(.*\)".*/\1/p' || true)
[[ $job_id =~ ^[0-9]+$ ]] || fail "$dataset records no SLURM job id (attribute slurm_job_id: '$job_id')"
grep -q "JobId=$job_id .*Name=due-preprocess" "$jobcomp" ||
  fail "$dataset says job $job_id, which is not the due-preprocess job of the completion log"
# srun outside an allocation makes a job of one step, numbered 0.
step_id=$(h5dump -a /slurm_step_id "$dataset" 2>/dev/null | sed -n 's/.*(0): "\(.*\)".*/\1/p' || true)
[[ $step_id == 0 ]] || fail "$dataset records SLURM step '$step_id', expected 0"
echo "slurm_workflow: $dataset was written by SLURM job $job_id, step $step_id (due-preprocess)"
metrics_files=("$scratch"/runs/demo/*/seed1/metrics.json)
metrics=${metrics_files[0]}
grep -Eq '"slurm_job_id": "[0-9]+"' "$metrics" || fail "$metrics records no SLURM job id"
echo "slurm_workflow: ok"
