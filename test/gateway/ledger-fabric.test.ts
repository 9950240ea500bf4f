// SPDX-License-Identifier: Apache-2.0
/**
 * The Fabric client's liveness probe, against a stand-in for a peer's Gateway service (gRPC over TLS, answering
 * every evaluate) that can stop answering like a frozen peer: calls stay open, nothing comes back. The
 * client's deadlines here are a minute, so a call that fails sooner was failed by the probe.
 */
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { gateway, peer } from '@hyperledger/fabric-protos';
import { FabricLedger } from '../../gateway/src/ledger/fabric';
import { UnavailableError } from '../../network/src/ledger';
import { newCertificateAuthority } from '../../network/src/pki/ca';
import { newTestOrg } from '../helpers/pki';

const DEADLINE_MS = 60_000;
const HOST = 'peer0.fabric.test';

/** A peer's Gateway service that answers every evaluate with `ok`, unless told to hold its answers. */
class StandInPeer {
    holding = false;
    readonly #server = new grpc.Server();
    readonly #held: (() => void)[] = [];

    constructor() {
        const evaluate: grpc.handleUnaryCall<gateway.EvaluateRequest, gateway.EvaluateResponse> = (_call, callback) => {
            const answer = (): void => {
                const result = new peer.Response();
                result.setStatus(200);
                result.setPayload(Buffer.from('ok'));
                const response = new gateway.EvaluateResponse();
                response.setResult(result);
                callback(null, response);
            };
            if (this.holding) {
                this.#held.push(answer);
            } else {
                answer();
            }
        };
        this.#server.addService(gateway.GatewayService, { evaluate });
    }

    /** Serves on a free loopback port with a certificate for {@link HOST}; resolves with `host:port`. */
    async listen(tls: { certPem: string; keyPem: string }): Promise<string> {
        const credentials = grpc.ServerCredentials.createSsl(null, [
            { cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) },
        ]);
        const port = await new Promise<number>((resolve, reject) => {
            this.#server.bindAsync('127.0.0.1:0', credentials, (error, bound) => {
                if (error) {
                    reject(error);
                } else {
                    resolve(bound);
                }
            });
        });
        return `127.0.0.1:${port}`;
    }

    /** Answers again, the held calls first. */
    resume(): void {
        this.holding = false;
        this.#held.splice(0).forEach((answer) => {
            answer();
        });
    }

    stop(): void {
        this.#server.forceShutdown();
    }
}

/** Resolves at the client's next change to `down`. */
function nextChange(ledger: FabricLedger, down: boolean): Promise<void> {
    return new Promise((resolve) => {
        const stop = ledger.onLivenessChange((now) => {
            if (now === down) {
                stop();
                resolve();
            }
        });
    });
}

describe('Fabric client: a peer that stops answering', () => {
    let standIn: StandInPeer;
    let ledger: FabricLedger;

    beforeEach(async () => {
        const ca = await newCertificateAuthority({ commonName: 'tlsca.fabric.test', organization: 'T', kind: 'tlsca' });
        const tls = await ca.issue({ commonName: HOST, ou: 'peer', kind: 'tls-server' });
        standIn = new StandInPeer();
        const endpoint = await standIn.listen(tls);
        const identity = await (await newTestOrg('HospitalAMSP')).identity('gateway');
        ledger = new FabricLedger({
            peerEndpoint: endpoint,
            peerHostAlias: HOST,
            tlsCaPem: ca.certPem,
            mspId: identity.mspId,
            certPem: identity.certPem,
            keyPem: identity.keyPem,
            channel: 'healthchain',
            chaincode: 'healthchain',
            timeoutMs: DEADLINE_MS,
            commitTimeoutMs: DEADLINE_MS,
            // The default: a shorter probe could find a loaded machine's first connection "down" while it opens.
            probeMs: 1_000,
        });
    });

    afterEach(() => {
        ledger.close();
        standIn.stop();
    });

    it('abandons a waiting call, fails calls at once while the peer is down, and recovers by itself', async () => {
        const read = (): Promise<string> =>
            ledger.evaluate('organization', 'readConfig').then((bytes) => Buffer.from(bytes).toString());
        assert.equal(await read(), 'ok');

        const down = nextChange(ledger, true);
        standIn.holding = true;
        await assert.rejects(read(), UnavailableError);
        await down;
        assert.equal(ledger.isDown, true);
        await assert.rejects(read(), UnavailableError);

        const up = nextChange(ledger, false);
        standIn.resume();
        await up;
        assert.equal(await read(), 'ok');
    });

    it('reports a peer that is not listening as unavailable', async () => {
        standIn.stop();
        await assert.rejects(ledger.evaluate('organization', 'readConfig'), UnavailableError);
    });
});
