#!/usr/bin/env bash
# Submit the study's grid to Slurm as a job array: one array task per run.
#
#   scripts/slurm-sweep.sh [options] [--] [train flags]
#
# The train flags (e.g. --dataset cifar10 --activations relu,elu --seeds 3 --logdir /shared/logs)
# define the grid; `train --plan` with them gives its size N, and the job script runs
# `train --task-index "$SLURM_ARRAY_TASK_ID" --threads <cpus per task> <train flags>` as
# --array=0-<N-1>. Each task writes <logdir>/<dataset>/<activation>-seed<N>; resubmitting
# skips finished tasks and reruns died ones, so a partly failed sweep is finished by
# submitting it again. On a real cluster the train binary, the data and the log directory
# must be on storage that every node sees.
#
# Options (each also read from the variable named, so a site can set them once):
#   --partition P       partition                       ($SBATCH_PARTITION)
#   --time T            time limit per task, 01:30:00   ($SBATCH_TIMELIMIT)
#   --gpus G            GPUs per task (then pass --device cuda as a train flag) ($SBATCH_GPUS)
#   --cpus-per-task C   CPUs per task, also train's --threads ($SBATCH_CPUS_PER_TASK, else 2)
#   --train PATH        the built train binary ($TRAIN, else target/release/train here)
#   --output-dir DIR    where the job script and the tasks' output files go (default slurm-sweep)
#   --wait              wait for the array to end; exit 1 if a task failed
#   --dry-run           write the job script and print it, submit nothing
#   -h, --help          this text
#
# Prints the job id on stdout; everything else goes to stderr.
set -euo pipefail

die() {
    echo "slurm-sweep.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

here="$(cd "$(dirname "$0")/.." && pwd)"
partition="${SBATCH_PARTITION:-}"
time_limit="${SBATCH_TIMELIMIT:-}"
gpus="${SBATCH_GPUS:-}"
cpus="${SBATCH_CPUS_PER_TASK:-2}"
train="${TRAIN:-${CARGO_TARGET_DIR:-$here/target}/release/train}"
output_dir="slurm-sweep"
wait=false
dry_run=false
train_flags=()

value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
    case "$1" in
    --partition) value "$@"; partition="$2"; shift 2 ;;
    --time) value "$@"; time_limit="$2"; shift 2 ;;
    --gpus) value "$@"; gpus="$2"; shift 2 ;;
    --cpus-per-task) value "$@"; cpus="$2"; shift 2 ;;
    --train) value "$@"; train="$2"; shift 2 ;;
    --output-dir) value "$@"; output_dir="$2"; shift 2 ;;
    --wait) wait=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage 0 ;;
    --) shift; train_flags+=("$@"); break ;;
    *) train_flags+=("$1"); shift ;;
    esac
done

[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die "--cpus-per-task must be a whole number from 1, not '$cpus'"
for flag in "${train_flags[@]}"; do
    case "$flag" in
    --task-index* | --plan) die "$flag is set by the job script; leave it out of the train flags" ;;
    --threads*) die "$flag: the job script sets --threads to --cpus-per-task ($cpus); use that" ;;
    esac
done
[[ -x "$train" ]] || die "no train binary at $train; build it with \
\`cargo build --release --bin train\` or pass --train PATH"
train="$(cd "$(dirname "$train")" && pwd)/$(basename "$train")"

plan="$("$train" --plan "${train_flags[@]}")" || die "train --plan refused the train flags (above)"
tasks="$(printf '%s\n' "$plan" | grep -c .)"
[[ "$tasks" -ge 1 ]] || die "train --plan listed no tasks"

mkdir -p "$output_dir"
output_dir="$(cd "$output_dir" && pwd)"
script="$output_dir/sweep-$(date -u +%Y%m%dT%H%M%SZ)-$$.sbatch"
{
    echo "#!/bin/bash"
    echo "#SBATCH --job-name=activation-study"
    echo "#SBATCH --array=0-$((tasks - 1))"
    echo "#SBATCH --cpus-per-task=$cpus"
    echo "#SBATCH --output=$output_dir/%A_%a.out"
    echo "#SBATCH --chdir=$PWD"
    [[ -z "$partition" ]] || echo "#SBATCH --partition=$partition"
    [[ -z "$time_limit" ]] || echo "#SBATCH --time=$time_limit"
    [[ -z "$gpus" ]] || echo "#SBATCH --gpus=$gpus"
    echo "# The grid (train --plan): task, data set, activation, seed, run directory."
    printf '%s\n' "$plan" | sed 's/^/#   /'
    echo "set -euo pipefail"
    printf 'exec %q --task-index "$SLURM_ARRAY_TASK_ID" --threads "${SLURM_CPUS_PER_TASK:-%s}"' "$train" "$cpus"
    if [[ ${#train_flags[@]} -gt 0 ]]; then printf ' %q' "${train_flags[@]}"; fi
    echo
} >"$script"

if $dry_run; then
    cat "$script" >&2
    echo "dry run: wrote $script, submitted nothing" >&2
    exit 0
fi

submitted="$(sbatch --parsable "$script")" || die "sbatch refused $script (its message is above)"
job="${submitted%%;*}"
echo "$job"
echo "submitted job $job: $tasks tasks (--array=0-$((tasks - 1))), job script $script, \
output in $output_dir/${job}_<task>.out" >&2
$wait || exit 0

# Wait until no task of the array is pending or running. squeue forgets a job some time after
# it ends ("Invalid job id"); any other failure (controller busy) is retried.
last=""
while :; do
    if listing="$(squeue -h -r -j "$job" -o %i 2>&1)"; then
        left="$(printf '%s' "$listing" | grep -c . || true)"
    elif [[ "$listing" == *"Invalid job id"* ]]; then
        left=0
    else
        echo "squeue failed ($listing); retrying" >&2
        sleep 5
        continue
    fi
    if [[ "$left" != "$last" ]]; then
        echo "job $job: $((tasks - left)) of $tasks tasks ended" >&2
        last="$left"
    fi
    [[ "$left" == 0 ]] && break
    sleep 2
done

# Each task's end state: from accounting where the cluster has it, else from the controller
# (which keeps ended jobs for MinJobAge, 300 s by default).
states="$(sacct -n -X -P -j "$job" -o JobID,State,ExitCode 2>/dev/null |
    sed -n "s/^${job}_\([0-9]*\)|\([^|]*\)|\(.*\)$/\1 \2 \3/p" || true)"
if [[ -z "$states" ]]; then
    states="$(scontrol -o show job "$job" 2>/dev/null |
        sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\).*/\1 \2 \3/p' || true)"
fi
failed=0
while read -r index dataset activation seed run_dir; do
    state="$(printf '%s\n' "$states" | awk -v i="$index" '$1 == i { print $2 " (exit " $3 ")" }')"
    if [[ -f "$run_dir/results.json" ]]; then
        # How the run ended, as train recorded it (finished, no_better_than_chance, ...).
        end="$(sed -n 's/^ *"end": "\([a-z_]*\)".*/\1/p' "$run_dir/results.json" | head -n 1)"
        result="ended ${end:-without a status}"
    else
        result="no results.json"
        failed=$((failed + 1))
    fi
    if [[ -n "$state" && "$state" != COMPLETED* ]] && [[ -f "$run_dir/results.json" ]]; then
        failed=$((failed + 1))
    fi
    echo "task $index ($dataset $activation seed $seed): ${state:-state unknown}, $result in $run_dir" >&2
done <<<"$plan"
if [[ "$failed" -gt 0 ]]; then
    echo "job $job: $failed of $tasks tasks failed; see $output_dir/${job}_<task>.out, and \
resubmit the same command to rerun those that died, failed or were stopped (tasks whose run ended, at chance or diverged included, are skipped)" >&2
    exit 1
fi
echo "job $job: all $tasks tasks completed" >&2
