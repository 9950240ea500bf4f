// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's acts that bring a region to life, done by the launcher as the commission's admin over
 * the ledger node: `organization:bootstrap` (names the commission, once) and the approval of every member
 * organisation once its gateway has registered it. Both are idempotent, so a restart repeats nothing.
 */
import { bootstrapIfFresh } from '../../../gateway/src/ledger/bootstrap';
import { LedgerContracts } from '../../../gateway/src/ledger/contracts';
import type { Ledger } from '../ledger';
import { LedgerClient, toIdentityAndSigner } from '../embedded';
import { RemoteLedgerTransport } from '../embedded/remote';
import type { RegionMaterial } from '../pki/region';
import type { RegionConfig } from '../config/region';

/**
 * What the commission's acts need of a ledger: the {@link Ledger} interface, over the embedded ledger node or
 * a Fabric peer, so both fail with the same ledger errors.
 */
export type CommissionLedger = Pick<Ledger, 'mspId' | 'evaluate' | 'submit'>;

/** The commission admin's view of the ledger. */
export interface CommissionClient {
    readonly client: CommissionLedger;
    close(): void;
}

interface OrgEntry {
    readonly mspId: string;
    readonly status: string;
}

/**
 * Connects to the ledger node as the commission's admin (signing identity) over mutual TLS (the commission
 * gateway user's TLS client certificate).
 * @param region - the region configuration
 * @param material - the region's material
 * @param url - the ledger node's URL
 */
export function connectAsCommission(region: RegionConfig, material: RegionMaterial, url: string): CommissionClient {
    const commission = region.organizations.find((o) => o.type === 'commission');
    const member = material.organizations.find((o) => o.mspId === commission?.mspId);
    if (!member) {
        throw new Error('The region has no commission material');
    }
    const tlsClient = member.gateway.tlsClient;
    const transport = new RemoteLedgerTransport({
        url,
        tls: { caPem: material.orderer.tlsCaCertPem, certPem: tlsClient.certPem, keyPem: tlsClient.readKeyPem() },
    });
    const { identity, signer } = toIdentityAndSigner({
        mspId: member.mspId,
        certPem: member.admin.certPem,
        privateKey: member.admin.readPrivateKey(),
    });
    const client = new LedgerClient(transport, {
        identity,
        signer,
        channel: region.channel,
        chaincode: region.chaincode,
    });
    return {
        client,
        close: (): void => {
            transport.close();
        },
    };
}

function decode(bytes: Uint8Array): unknown {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
}

/**
 * Names the commission on the ledger unless it is already bootstrapped (the gateway's `bootstrapIfFresh`, the
 * same the commission's gateway makes at start), and checks that the ledger names this commission.
 * @param client - the commission admin's client
 * @returns whether this call bootstrapped the ledger
 * @throws Error when the ledger names another commission; ApiError when the ledger refuses or cannot be reached
 */
export async function ensureBootstrapped(client: CommissionLedger): Promise<boolean> {
    const { config, bootstrapped } = await bootstrapIfFresh(new LedgerContracts(client));
    if (config.commissionMspId !== client.mspId) {
        throw new Error(`The ledger names ${config.commissionMspId} as commission, not ${client.mspId}`);
    }
    return bootstrapped;
}

/**
 * Approves every organisation of the region that is still pending. Suspended ones stay suspended (that was
 * the commission's decision); active ones are left alone.
 * @param client - the commission admin's client
 * @param region - the region configuration
 * @returns the MSP ids approved now
 * @throws Error when an organisation has not registered itself
 */
export async function approvePending(client: CommissionLedger, region: RegionConfig): Promise<string[]> {
    const orgs = decode(await client.evaluate('organization', 'listOrganizations')) as OrgEntry[];
    const approved: string[] = [];
    for (const org of region.organizations) {
        const entry = orgs.find((o) => o.mspId === org.mspId);
        if (!entry) {
            throw new Error(`${org.mspId} has not registered on the ledger; see its gateway log`);
        }
        if (entry.status === 'pending') {
            await client.submit('organization', 'approveOrganization', { arguments: [org.mspId] });
            approved.push(org.mspId);
        }
    }
    return approved;
}
