#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Writes the Node chaincode package of chaincode/ (compiled dist/, package.json, package-lock.json) with
# `peer lifecycle chaincode package --lang node`, for peers that build chaincode themselves (Docker).
# Usage: package-node.sh <out.tar.gz> [label]
set -eu
: "${FABRIC_BIN:?FABRIC_BIN must name the bin/ folder of a Fabric 2.5 release}"
out=$(realpath -m "${1:?usage: package-node.sh <out.tar.gz> [label]}")
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"
npm run --silent build
npm run --silent build:chaincode
exec node dist/network/src/fabric/cli.js package-node --out "$out" ${2:+--label "$2"}
