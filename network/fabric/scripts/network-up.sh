#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Starts the region's loopback Fabric network (one or three orderers, one peer per organisation, chaincode
# servers) from the release in $FABRIC_BIN, creating the channel and deploying the chaincode on first use. Runs
# in the foreground; Ctrl-C (or network-down.sh) tears it down. Arguments are passed on: --data <dir> --port <n>
# --region <file> --orderers 1|3.
set -eu
: "${FABRIC_BIN:?FABRIC_BIN must name the bin/ folder of a Fabric 2.5 release}"
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"
npm run --silent build
npm run --silent build:chaincode
exec node dist/network/src/fabric/cli.js up "$@"
