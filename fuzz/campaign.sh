#!/usr/bin/env bash
# Runs every fuzz target for a number of executions, two at a time (the machines have two
# cores), seeding empty corpora from the repository's captures and bad inputs. Corpora are
# kept in fuzz/corpus/ between campaigns, so coverage builds up over time.
#
#   fuzz/campaign.sh                 # 10 million executions per target
#   RUNS=100000 fuzz/campaign.sh     # a quick pass
#   fuzz/campaign.sh domain render   # only these targets
#
# Prints one line per target: executions, crashes and seconds. A crash leaves its input in
# fuzz/artifacts/TARGET/; make it a regression test in tests/bad-inputs/.
set -euo pipefail

cd "$(dirname "$0")"
runs="${RUNS:-10000000}"
lanes="${LANES:-2}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(capture render engines manifest snippet xmlrpc domain)
fi
logs="${LOGS:-$(mktemp -d)}"
mkdir -p "$logs"

seed() {
    local corpus="corpus/$1"
    mkdir -p "$corpus"
    if [ -z "$(ls -A "$corpus")" ]; then
        find ../fixtures ../tests/bad-inputs -type f -size -1M -exec cp {} "$corpus/" \;
    fi
}

run_one() {
    local target="$1" started
    started=$(date +%s)
    seed "$target"
    if cargo +nightly fuzz run -O "$target" -- -runs="$runs" -print_final_stats=1 \
        >"$logs/$target.log" 2>&1; then
        crashes=0
    else
        crashes="$(ls "artifacts/$target" 2>/dev/null | wc -l) (see $logs/$target.log)"
    fi
    done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$target.log" |
        grep -o '[0-9]*$' || echo "?")
    echo "$target: $done_runs executions, crashes: $crashes, $(($(date +%s) - started)) s"
}

# Build once, so the lanes do not race to build the same targets.
cargo +nightly fuzz build -O >/dev/null
echo "logs in $logs"
export -f seed run_one
export runs logs
printf '%s\n' "${targets[@]}" | xargs -P "$lanes" -I{} bash -c 'run_one {}'
