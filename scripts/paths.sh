# Where the setup keeps its venv and data; sourced by the scripts so they all agree.
# The Rust side (the `train` binary's default --data-dir) follows the same rule.
# shellcheck shell=bash
cache=${ACTIVATION_STUDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/activation-study}
venv=${ACTIVATION_STUDY_VENV:-$cache/venv}
data=${ACTIVATION_STUDY_DATA:-$cache/data}
