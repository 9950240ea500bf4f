// SPDX-License-Identifier: Apache-2.0
/**
 * The four requests `npm run bench:fetch` compares, each checked for the answer it must give:
 *
 * - `bare mTLS`: the bytes of a granted fetch's answer from a tiny local HTTPS server that presents the
 *   custodian's TLS certificate and requires the requester's — what moving the data costs with no ledger;
 * - `evaluate`: `GET /ledger/info` at the requester's gateway — one authenticated ledger read;
 * - `denied`: `POST /records/{id}/fetch` on a record no consent covers — one `requestAccess` transaction;
 * - `granted`: the same on the consented record — the whole fetch, its content compared with what was
 *   published.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Agent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { findRegionOrganization, readTokenText } from '../clients/shared/region-file';
import { callHttps, newKeepAliveAgent, type HttpTarget, type Probe } from './fetch-load';
import type { BenchRegion, GatewayTlsFiles } from './region';
import type { FetchFixture } from './fetch-setup';

/** The kinds of request, in the order they are run and shown. */
export const ProbeKinds = ['bare mTLS', 'evaluate', 'denied', 'granted'] as const;
/** One of {@link ProbeKinds}. */
export type ProbeKind = (typeof ProbeKinds)[number];

/** The probes of one step, with the connections they keep open. */
export interface ProbeSet {
    readonly probes: Readonly<Record<ProbeKind, Probe>>;
    /** The requester's and the custodian's API, for their `/metrics`. */
    readonly gateways: readonly HttpTarget[];
    /** The ledger's height, read through the requester's gateway. */
    height(): Promise<bigint>;
    /** Closes the keep-alive connections. */
    close(): void;
}

interface Material {
    readonly caPems: string[];
    readonly certPem: string;
    readonly keyPem: string;
}

function readMaterial(files: GatewayTlsFiles): Material {
    return {
        caPems: Object.values(files.regionTlsCaFiles).map((file) => readFileSync(file, 'utf8')),
        certPem: readFileSync(files.certFile, 'utf8'),
        keyPem: readFileSync(files.keyFile, 'utf8'),
    };
}

function readOutcomeCode(body: unknown): unknown {
    const issue = (body as { issue?: { details?: { text?: unknown } }[] } | undefined)?.issue?.[0];
    return issue?.details?.text;
}

/** A bare mutual-TLS server answering every request with the same bytes. */
export class BareServer {
    readonly #server: Server;
    #bytes: Buffer = Buffer.alloc(0);

    /**
     * @param custodian - the TLS files of the custodian's gateway, whose certificate it presents
     */
    constructor(custodian: GatewayTlsFiles) {
        const tls = readMaterial(custodian);
        const options = { cert: tls.certPem, key: tls.keyPem, ca: tls.caPems, requestCert: true };
        this.#server = createServer({ ...options, rejectUnauthorized: true }, (req, res) => {
            req.resume();
            req.on('end', () => {
                res.writeHead(200, { 'content-type': 'application/json', 'content-length': this.#bytes.length });
                res.end(this.#bytes);
            });
        });
    }

    /** Sets what it answers. */
    set answer(bytes: Buffer) {
        this.#bytes = bytes;
    }

    /** Listens on a free loopback port; returns its URL. */
    async listen(): Promise<string> {
        await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
        return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    }

    /** Stops listening and drops its connections. */
    close(): Promise<void> {
        return new Promise((resolve) => {
            this.#server.closeAllConnections();
            this.#server.close(() => {
                resolve();
            });
        });
    }
}

function gatewayTarget(region: BenchRegion, mspId: string, agent: Agent, token?: string): HttpTarget {
    const org = findRegionOrganization(region.region, mspId);
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    return { baseUrl: org.apiUrl, agent, headers };
}

/** `GET /ledger/info` at a gateway: the ledger's height. */
async function readHeight(gateway: HttpTarget): Promise<bigint> {
    const answer = await callHttps(gateway, 'GET', '/ledger/info');
    const body = answer.body.toString('utf8');
    const height = answer.status === 200 ? (JSON.parse(body) as { height?: unknown }).height : undefined;
    if (typeof height !== 'string' && typeof height !== 'number') {
        throw new Error(`GET /ledger/info answered ${answer.status} ${body}`);
    }
    return BigInt(height);
}

/**
 * The probes for one step, over connections sized for `inFlight`.
 * @param region - the running region
 * @param fixture - the records and content
 * @param bareUrl - the bare server's URL
 * @param inFlight - requests kept in flight
 */
export function newProbeSet(region: BenchRegion, fixture: FetchFixture, bareUrl: string, inFlight: number): ProbeSet {
    const requesterOrg = findRegionOrganization(region.region, fixture.requester);
    const custodianOrg = findRegionOrganization(region.region, fixture.custodian);
    const requesterTls = readMaterial(region.tlsFiles(fixture.requester));
    const apiAgent = newKeepAliveAgent({ caPems: requesterTls.caPems }, inFlight);
    const bareAgent = newKeepAliveAgent(requesterTls, inFlight);
    const token = readTokenText(requesterOrg.tokens.clinician);
    const requester = gatewayTarget(region, fixture.requester, apiAgent, token);
    const bare: HttpTarget = { baseUrl: bareUrl, agent: bareAgent };
    const fetchOf = (recordId: string): Promise<{ status: number; body: Record<string, unknown> }> =>
        callHttps(requester, 'POST', `/records/${recordId}/fetch`, { purpose: 'TREATMENT' }).then((answer) => ({
            status: answer.status,
            body: JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>,
        }));
    const probes: Record<ProbeKind, Probe> = {
        'bare mTLS': async () => {
            const answer = await callHttps(bare, 'POST', `/p2p/records/${fixture.grantedRecordId}`, { accessId: 'x' });
            if (answer.status !== 200 || answer.body.length === 0) {
                throw new Error(`bare server answered ${answer.status}`);
            }
        },
        evaluate: async () => {
            await readHeight(requester);
        },
        denied: async () => {
            const { status, body } = await fetchOf(fixture.deniedRecordId);
            if (status !== 403 || readOutcomeCode(body) !== 'ACCESS_DENIED') {
                throw new Error(`a denied fetch answered ${status} ${String(readOutcomeCode(body))}`);
            }
        },
        granted: async () => {
            const { status, body } = await fetchOf(fixture.grantedRecordId);
            if (status !== 200) {
                const { peerStatus, peerCode, reason } = body;
                const detail = JSON.stringify({ peerStatus, peerCode, reason });
                throw new Error(`a granted fetch answered ${status} ${String(readOutcomeCode(body))} ${detail}`);
            }
            if (JSON.stringify(body.resource) !== fixture.resourceJson) {
                throw new Error('a granted fetch returned content other than what was published');
            }
        },
    };
    const metricsAgent = newKeepAliveAgent({ caPems: requesterTls.caPems }, 1);
    return {
        probes,
        gateways: [
            { baseUrl: requesterOrg.apiUrl, agent: metricsAgent },
            { baseUrl: custodianOrg.apiUrl, agent: metricsAgent },
        ],
        height: () => readHeight({ ...requester, agent: metricsAgent }),
        close: () => {
            for (const agent of [apiAgent, bareAgent, metricsAgent]) {
                agent.destroy();
            }
        },
    };
}

/**
 * The bytes of one granted fetch's answer, for the bare server to send.
 * @param set - probes of any step
 * @param region - the running region
 * @param fixture - the records
 * @throws Error when the fetch is not granted
 */
export async function captureGrantedAnswer(region: BenchRegion, fixture: FetchFixture, set: ProbeSet): Promise<Buffer> {
    const requesterOrg = findRegionOrganization(region.region, fixture.requester);
    const token = readTokenText(requesterOrg.tokens.clinician);
    const target = { ...(set.gateways[0] as HttpTarget), headers: { authorization: `Bearer ${token}` } };
    const answer = await callHttps(target, 'POST', `/records/${fixture.grantedRecordId}/fetch`, {
        purpose: 'TREATMENT',
    });
    if (answer.status !== 200) {
        throw new Error(`the first granted fetch answered ${answer.status}: ${answer.body.toString('utf8')}`);
    }
    return answer.body;
}
