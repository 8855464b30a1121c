#!/usr/bin/env bash
# The per-stage config slices of Makefile.workflow (docs/workflow.md, "What reruns"): the part of the experiment
# config, and of SET, that one stage reads. A stage's targets depend on its slice instead of the whole config, so
# editing classifier.epochs reruns the classifiers and what follows them, not the interpolator.
#
#   config-slice.sh print CONFIG "SECTIONS" "SET"             the slice on stdout
#   config-slice.sh write SLICE CONFIG "SECTIONS" "SET"       (re)writes SLICE only when its content changes
#   config-slice.sh check DIR CONFIG "SET" STAGE:SECTION,...  (make -n) one word per stage whose DIR/STAGE.config.yaml
#                                                             a write would change: STAGE=changed, or STAGE=missing
#                                                             for an absent slice a write would date like CONFIG
#
# SECTIONS are top-level keys of the config; the top-level keys every stage reads (device, io) are added to each.
# A section is its line at column 0 and every indented line under it; comment lines and blank lines are left
# out, so editing a comment reruns nothing. SET words ("key=value") go into the slice of every stage whose
# sections hold the key, and of every stage when no stage's section does (seed=3, threads=2). A first slice written beside outputs made before slices existed takes CONFIG's date
# (SET's words being empty): those outputs stay up to date exactly when they are newer than CONFIG, as before.
set -euo pipefail

COMMON_SECTIONS="device io"
# The sections of one stage or another; a SET word on any other key (device, io, seed, threads: --set seed=3
# overrides the workflow's --seed) goes into every slice.
STAGE_SECTIONS="preprocess interpolator variance npvae impute classifier explain evaluate"

# Whether SET word $1 goes into the slice of sections $2.
set_word_in() {
  local section=${1%%[.=]*}
  [[ " $2 " == *" $section "* || " $STAGE_SECTIONS " != *" $section "* ]]
}

slice_of() {  # CONFIG "SECTIONS" "SET"
  local config=$1 sections="$2 $COMMON_SECTIONS" set=$3
  [[ -f $config ]] || { echo "config-slice.sh: no config file $config" >&2; return 2; }
  # shellcheck disable=SC2086  # the words of $sections, one space apart
  echo "# The config sections this stage reads ($(echo $sections)) and the SET words on them;"
  echo "# Makefile.workflow rewrites this file when they change, and that reruns the stage."
  awk -v sections=" $sections " '
    /^[ \t]*(#|$)/ { next }                                   # comments and blank lines
    /^[^ \t]/ { key = $0; sub(/[ \t]*:.*/, "", key); keep = index(sections, " " key " ") > 0 }
    keep { print }
  ' "$config"
  local word
  for word in $set; do
    if set_word_in "$word" "$sections"; then echo "# SET $word"; fi
  done
}

set_of() {  # "SECTIONS" "SET": the SET words a slice holds
  local sections="$1 $COMMON_SECTIONS" word out=
  for word in $2; do
    if set_word_in "$word" "$sections"; then out+="$word "; fi
  done
  echo "$out"
}

case ${1:-} in
  print)
    slice_of "$2" "$3" "$4"
    ;;
  write)
    slice=$2 config=$3 sections=$4 set=$5
    mkdir -p "$(dirname "$slice")"
    tmp=$slice.tmp.$$
    trap 'rm -f "$tmp"' EXIT
    slice_of "$config" "$sections" "$set" >"$tmp"
    if [[ ! -e $slice ]]; then
      [[ -n $(set_of "$sections" "$set") ]] || touch -r "$config" "$tmp"
      mv "$tmp" "$slice"
    elif ! cmp -s "$tmp" "$slice"; then
      mv "$tmp" "$slice"
      echo "config-slice.sh: $slice changed"
    fi
    ;;
  check)
    dir=$2 config=$3 set=$4
    shift 4
    for stage_sections in "$@"; do
      stage=${stage_sections%%:*} sections=${stage_sections#*:}
      sections=${sections//,/ }
      slice=$dir/$stage.config.yaml
      if [[ ! -e $slice ]]; then
        if [[ -n $(set_of "$sections" "$set") ]]; then echo "$stage=changed"; else echo "$stage=missing"; fi
      elif ! slice_of "$config" "$sections" "$set" | cmp -s - "$slice"; then
        echo "$stage=changed"
      fi
    done
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | grep '^#' >&2
    exit 2
    ;;
esac
