#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Tears down a network started by network-up.sh: SIGTERM to its launcher (pid in <data>/fabric/network.pid),
# which stops the chaincode servers, the peers and the orderer. With --clean, also removes <data>/fabric
# (the channel, the ledgers and the deployment; the identities in <data>/crypto stay).
set -eu
data=${HEALTHCHAIN_DATA:-./data}
clean=false
while [ $# -gt 0 ]; do
    case $1 in
        --data) data=$2; shift 2 ;;
        --clean) clean=true; shift ;;
        *) echo "usage: network-down.sh [--data <dir>] [--clean]" >&2; exit 64 ;;
    esac
done
pid_file="$data/fabric/network.pid"
if [ -f "$pid_file" ]; then
    pid=$(cat "$pid_file")
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
fi
if [ "$clean" = true ]; then
    rm -rf "$data/fabric"
fi
