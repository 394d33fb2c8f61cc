#!/bin/sh
# The case study's six sweeps: one per reward-hacking setting, all from sweep.yaml.
#   sh examples/inoculation-qwen3/run.sh plan --offline   # the dry run of each, no server asked
#   sh examples/inoculation-qwen3/run.sh run              # train, sample and grade each (resumable)
# Extra arguments go to every command; $BCT replaces `npx bct` (e.g. BCT="node bin/bct.js"); $SUFFIX is
# appended to every sweep name, so that the same six graded by the judge are sweeps of their own:
#   SUFFIX=-judged sh examples/inoculation-qwen3/run.sh run --setting-params hackGrader=judge --judge organism
set -eu
command=${1:?usage: run.sh plan|run [bct options]}
shift
here=$(dirname "$0")
for variant in plain hint flag no-system noise eval-prompt; do
  ${BCT:-npx bct} "$command" "$here/sweep.yaml" --setting "chat-rh-$variant" --name "inoculation-$variant${SUFFIX:-}" "$@"
done
