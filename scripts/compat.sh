#!/usr/bin/env bash
# make compat: the plugin-level tests on every older ansible-core, each in its own venv on its own Python,
# at most JOBS versions at a time (each is a pytest process starting its own talos-sim fleets).
#   scripts/compat.sh JOBS "2.16:3.10 2.17:3.11 ..." TEST...
# Each version's output goes to .build/compat/<version>.log; it is shown when that version fails, and one
# summary line per version ends the run. Fails when any version fails.
set -euo pipefail
cd "$(dirname "$0")/.."
max_jobs=${1:?usage: compat.sh JOBS "CORE:PYTHON ..." TEST...}
read -r -a matrix <<< "${2:?usage: compat.sh JOBS \"CORE:PYTHON ...\" TEST...}"
shift 2
logs=.build/compat
mkdir -p "$logs"

# Venvs one after another: pip runs are short when nothing changed, and their output stays readable.
for pair in "${matrix[@]}"; do
  scripts/compat-venv.sh "${pair%%:*}" "${pair#*:}"
done

run_version() {
  local core=$1
  local status=passed
  .venv-"$core"/bin/python -m pytest -q -p no:cacheprovider "${@:2}" > "$logs/$core.log" 2>&1 || status=failed
  echo "$status" > "$logs/$core.status"
}

rm -f "$logs"/*.status
for pair in "${matrix[@]}"; do
  while (($(jobs -rp | wc -l) >= max_jobs)); do
    wait -n
  done
  run_version "${pair%%:*}" "$@" &
done
wait

failed=0
for pair in "${matrix[@]}"; do
  core=${pair%%:*}
  if [[ $(cat "$logs/$core.status") != passed ]]; then
    echo "---- ansible-core $core: $logs/$core.log ----"
    cat "$logs/$core.log"
    failed=1
  fi
done
for pair in "${matrix[@]}"; do
  core=${pair%%:*}
  read -r core_release python_release < <(.venv-"$core"/bin/python -c \
    'import sys, ansible.release; print(ansible.release.__version__, "%d.%d.%d" % sys.version_info[:3])')
  printf 'compat: ansible-core %-8s Python %-8s %-6s %s\n' "$core_release" "$python_release" "$(cat "$logs/$core.status")" \
    "$(tail -n 1 "$logs/$core.log" | tr -d '=')"
done
exit $failed
