#!/usr/bin/env bash
# Run the benchmarks: installs repmon with its benchmark-only dependencies into .venv, then runs
# benchmarks/bench_NAME.py for each NAME given (all of them without arguments). Each prints its figures
# and writes them to benchmarks/results/NAME.json.
# Usage: bash benchmarks/run.sh [NAME ...]      e.g. bash benchmarks/run.sh match reports
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for path in benchmarks/bench_*.py; do names+=("$(basename "$path" .py | sed 's/^bench_//')"); done
fi
mkdir -p benchmarks/results
for name in "${names[@]}"; do
  echo "== benchmark: $name"
  .venv/bin/python "benchmarks/bench_${name}.py"
done
