// SPDX-License-Identifier: Apache-2.0
/**
 * `npm start -- --ledger fabric`: the region's ledger is a loopback Hyperledger Fabric network
 * (`network/src/fabric`) in `<data>/fabric` instead of the embedded ledger node, and the commission's
 * bootstrap and approvals go through its peer's Gateway service as the commission's admin. Right after the
 * chaincode is committed, a peer may not yet know the other organisations' peers (gossip), so the
 * commission's calls are retried while the ledger answers "unavailable".
 */
import { readFileSync } from 'node:fs';
import { FabricLedger } from '../../../gateway/src/ledger/fabric';
import { EndorseError, UnavailableError } from '../ledger';
import { startFabricNetwork, type FabricNetwork, type PeerEndpoint } from '../fabric/network';
import type { RegionMaterial } from '../pki/region';
import type { CommissionClient, CommissionLedger } from './bootstrap';
import type { RegionConfig } from '../config/region';
import type { DataLayout } from './data-layout';
import type { LaunchOptions } from './launch-options';

/** Fabric ports follow the region's base port at this offset (the gateways use the ports right above it). */
export const FABRIC_PORT_OFFSET = 100;
const RETRY_ATTEMPTS = 60;
const RETRY_MS = 1_000;
/**
 * The commission admin's deadlines at start: longer than a gateway's, since the first calls may wait for a peer
 * to reach its chaincode server; a call that still fails unavailable is retried.
 */
const CALL_TIMEOUT_MS = 10_000;
const COMMIT_TIMEOUT_MS = 30_000;
const PROBE_MS = 1_000;

/**
 * Starts (or restarts) the region's Fabric network.
 * @param options - launch options (`fabricBin` set)
 * @param layout - the data folder
 * @param context - the region configuration and its identities
 * @param listener - progress lines, and warnings (an orderer that stopped while the others order on)
 */
export async function startRegionFabric(
    options: LaunchOptions,
    layout: DataLayout,
    context: { readonly region: RegionConfig; readonly material: RegionMaterial },
    listener: { readonly progress: (line: string) => void; readonly warning: (line: string) => void },
): Promise<FabricNetwork> {
    if (options.fabricBin === undefined) {
        throw new Error('--ledger fabric needs FABRIC_BIN');
    }
    const network = await startFabricNetwork({
        fabricBin: options.fabricBin,
        dir: layout.fabricDir,
        region: context.region,
        material: context.material,
        basePort: options.basePort === 0 ? 0 : options.basePort + FABRIC_PORT_OFFSET,
        orderers: options.orderers,
        progress: listener.progress,
        warning: listener.warning,
    });
    network.orderers.forEach((orderer, index) => {
        const pid = String(network.pidOfOrderer(index));
        listener.progress(
            `Fabric orderer ${index} ${orderer.endpoint} (operations ${orderer.operationsUrl}, pid ${pid})`,
        );
    });
    for (const peer of network.peers) {
        listener.progress(`Fabric peer ${peer.mspId} ${peer.endpoint} (pid ${String(network.pidOf(peer.mspId))})`);
    }
    listener.progress(
        `Fabric network ready: ${network.orderers.length} orderer(s); processes ${network.pids().join(' ')}`,
    );
    return network;
}

function isStartupRetriable(error: unknown): boolean {
    return (
        error instanceof UnavailableError ||
        (error instanceof EndorseError && error.code === 'ENDORSEMENT_POLICY_FAILURE')
    );
}

async function withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await call();
        } catch (error) {
            if (!isStartupRetriable(error) || attempt >= RETRY_ATTEMPTS) {
                throw error;
            }
            await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
    }
}

/**
 * Connects to the commission's peer as the commission's admin.
 * @param region - the region configuration
 * @param material - the region's identities
 * @param network - the running network
 */
export function connectAsCommissionOnFabric(
    region: RegionConfig,
    material: RegionMaterial,
    network: FabricNetwork,
): CommissionClient {
    const commission = region.organizations.find((o) => o.type === 'commission');
    const member = material.organizations.find((o) => o.mspId === commission?.mspId);
    const peer = network.peers.find((p) => p.mspId === commission?.mspId);
    if (!member || !peer) {
        throw new Error('The region has no commission peer');
    }
    const ledger = new FabricLedger({
        peerEndpoint: peer.endpoint,
        peerHostAlias: peer.hostAlias,
        tlsCaPem: readFileSync(peer.tlsCaFile, 'utf8'),
        mspId: member.mspId,
        certPem: member.admin.certPem,
        keyPem: member.admin.readKeyPem(),
        channel: region.channel,
        chaincode: region.chaincode,
        timeoutMs: CALL_TIMEOUT_MS,
        commitTimeoutMs: COMMIT_TIMEOUT_MS,
        probeMs: PROBE_MS,
    });
    const client: CommissionLedger = {
        mspId: ledger.mspId,
        evaluate: (contract, fn, callOptions) => withRetry(() => ledger.evaluate(contract, fn, callOptions)),
        submit: (contract, fn, callOptions) => withRetry(() => ledger.submit(contract, fn, callOptions)),
    };
    return {
        client,
        close: (): void => {
            ledger.close();
        },
    };
}

/**
 * The gateway's ledger settings for an organisation's peer.
 * @param network - the running network
 * @param mspId - the organisation
 */
export function toFabricPeer(network: FabricNetwork, mspId: string): PeerEndpoint {
    const peer = network.peers.find((p) => p.mspId === mspId);
    if (!peer) {
        throw new Error(`No Fabric peer for ${mspId}`);
    }
    return peer;
}
