#!/usr/bin/env bash
# The silicon database's background DFT work in one command (issue 22: keep it running in every
# session, resumable, nice 19, each label committed as it lands):
#   label_qe.py (the candidates), learn/run.sh (the PBE active learning), relax_pbe.py (every
#   relaxation in relax/ without a result.json or a `parked` file (its one line says why),
#   resumed from its steps), autocommit.py.
# Usage: fitting/datasets/silicon/background.sh start|stop|pause|resume|status
#   start   starts whatever of the four is not running (two pw.x slots: SOAPGAP_PWX_SLOTS=2),
#           all at nice 19 and autogroup nice 19; logs in $SOAPGAP_BG_LOGS (default /tmp/logs)
#   pause   SIGSTOP to all of it and its pw.x / LAMMPS children (for timings); resume: SIGCONT
#   stop    SIGTERM (every job resumes from its last landed label on the next start)
#   status  what runs, and the progress of labelling, relaxations and active learning
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
logs="${SOAPGAP_BG_LOGS:-/tmp/logs}"
pattern='label_qe.py|relax_pbe.py|soapgap.learn|soapgap learn|autocommit.py|al_labeller|pw.x'
export SOAPGAP_PWX_SLOTS="${SOAPGAP_PWX_SLOTS:-2}"

running() { pgrep -f "$1" > /dev/null; }

lower_priority() {   # nice alone does not lower a share against other sessions' autogroups
  for p in $(pgrep -f "$pattern|lmp" || true); do echo 19 > "/proc/$p/autogroup" 2>/dev/null || true; done
}

start() {
  mkdir -p "$logs"
  cd "$here"
  if ! running 'label_qe.py'; then
    nohup nice -n 19 /usr/bin/python3 label_qe.py >> "$logs/label.log" 2>&1 < /dev/null &
    echo "started label_qe.py (log $logs/label.log)"
  fi
  if ! running 'soapgap.learn|soapgap learn'; then
    bash learn/run.sh
  fi
  for d in relax/*/; do
    name="$(basename "$d")"
    [ -f "$d/result.json" ] && continue
    [ -f "$d/parked" ] && { echo "parked: relax_pbe.py $name ($(head -n 1 "$d/parked"))"; continue; }
    [ -f "$d/start.extxyz" ] || continue
    running "relax_pbe.py $name " && continue
    nohup nice -n 19 /usr/bin/python3 relax_pbe.py "$name" "$d/start.extxyz" \
      --hessian-from "$root/potentials/Si/Si-PBE-soapgap.xml" >> "$logs/relax.log" 2>&1 < /dev/null &
    echo "resumed relax_pbe.py $name (log $logs/relax.log)"
  done
  if ! running 'autocommit.py'; then
    nohup nice -n 19 /usr/bin/python3 autocommit.py >> "$logs/autocommit.log" 2>&1 < /dev/null &
    echo "started autocommit.py (log $logs/autocommit.log)"
  fi
  sleep 2
  lower_priority
}

descends_from() {   # descends_from PID "PIDS": whether one of PIDS is PID's parent, grandparent, ...
  local p="$1"
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    p="$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || true)"
    case " $2 " in *" $p "*) return 0 ;; esac
  done
  return 1
}

signal_all() {
  local pids jobs l
  jobs="$(pgrep -f "$pattern" | tr '\n' ' ' || true)"
  pids="$jobs"
  for l in $(pgrep -x lmp || true); do   # LAMMPS of the active learning only, not the user's own
    descends_from "$l" "$jobs" && pids="$pids $l"
  done
  [ -n "${pids// /}" ] || { echo "nothing running"; return 0; }
  # shellcheck disable=SC2086
  kill "-$1" $pids 2>/dev/null || true
  # shellcheck disable=SC2086
  echo "SIG$1 to" $pids
}

status() {
  pgrep -af "$pattern" | grep -v pgrep || echo "nothing running"
  /usr/bin/python3 "$here/status.py" 2>/dev/null | grep '\*\*total' || true
  /usr/bin/python3 "$here/relax_pbe.py" --summary 2>/dev/null || true
  tail -n 1 "$here/learn/run/learn.log" 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) signal_all TERM ;;
  pause) signal_all STOP ;;
  resume) signal_all CONT ;;
  status) status ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
