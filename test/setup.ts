// SPDX-License-Identifier: Apache-2.0
/**
 * Loaded by mocha before any test file. fabric-shim and fabric-contract-api read their log level from
 * `CORE_CHAINCODE_LOGGING_LEVEL` when first loaded (as on a peer); tests want only fatal messages.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
