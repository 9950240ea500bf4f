// SPDX-License-Identifier: Apache-2.0
/** The loopback Fabric network's configuration: ports, the channel's ordering service, each process's environment. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegionConfig } from '../../../network/src/config/region';
import {
    PEER_GATEWAY_TIMEOUT,
    toConfigtx,
    toOrdererEnv,
    toOrdererNode,
    toPeerEnv,
} from '../../../network/src/fabric/config-files';
import { MAX_ORDERERS, toFabricLayout, toFabricPorts } from '../../../network/src/fabric/layout';
import { issueRegion, type RegionMaterial } from '../../../network/src/pki/region';

interface Consenter {
    readonly Host: string;
    readonly Port: number;
    readonly ClientTLSCert: string;
    readonly ServerTLSCert: string;
}

/** The parts of the generated configtx document these tests read. */
interface OrderingSection {
    readonly EtcdRaft: { readonly Consenters: readonly Consenter[] };
    readonly Organizations: readonly { readonly OrdererEndpoints: readonly string[] }[];
}

function toOrdering(material: RegionMaterial, orderers: number): OrderingSection {
    const ports = toFabricPorts(7150, material.organizations.length, orderers);
    const document = toConfigtx(material, ports) as {
        Profiles: Record<string, { Orderer: OrderingSection }>;
    };
    const profile = Object.values(document.Profiles)[0];
    assert.ok(profile);
    return profile.Orderer;
}

describe('loopback Fabric network configuration', () => {
    let dir: string;
    let material: RegionMaterial;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'fabric-config-'));
        material = await issueRegion(readRegionConfig(), join(dir, 'crypto'));
    });

    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('gives three orderers their own ports below the first peer, and refuses more', () => {
        const ports = toFabricPorts(7150, 4, 3);
        const all = [
            ...ports.orderers.flatMap((o) => [o.listen, o.admin, o.operations]),
            ...ports.peers.flatMap((p) => [p.listen, p.chaincodeListen, p.operations, p.chaincodeServer]),
        ];
        assert.equal(new Set(all).size, all.length, 'no port is used twice');
        const firstPeer = ports.peers[0]?.listen ?? 0;
        assert.ok(ports.orderers.every((o) => [o.listen, o.admin, o.operations].every((port) => port < firstPeer)));
        assert.deepEqual(toFabricPorts(7150, 4).orderers, ports.orderers.slice(0, 1));
        assert.throws(() => toFabricPorts(7150, 4, MAX_ORDERERS + 1), /1 to 3 orderers/);
    });

    it('makes every orderer a Raft consenter with its own TLS certificate, and an ordering endpoint', () => {
        const ordering = toOrdering(material, 3);
        const consenters = ordering.EtcdRaft.Consenters;
        assert.equal(consenters.length, 3);
        assert.deepEqual(
            consenters.map((c) => c.ServerTLSCert),
            material.orderer.nodes.map((node) => node.tls.certFile),
        );
        assert.ok(consenters.every((c) => c.ClientTLSCert === c.ServerTLSCert && c.Host === '127.0.0.1'));
        assert.deepEqual(
            ordering.Organizations[0]?.OrdererEndpoints,
            consenters.map((c) => `127.0.0.1:${c.Port}`),
        );
        assert.equal(toOrdering(material, 1).EtcdRaft.Consenters.length, 1);
    });

    it('runs each orderer as its own node: identity, TLS, folders and a metrics endpoint saying who leads', () => {
        const layout = toFabricLayout(join(dir, 'fabric'));
        const ports = toFabricPorts(7150, 4, 3);
        const envs = ports.orderers.map((orderer, index) =>
            toOrdererEnv(toOrdererNode(material, index), material.orderer.mspId, orderer, layout.orderer(index)),
        );
        const distinct = (key: string): number => new Set(envs.map((env) => env[key])).size;
        for (const key of [
            'ORDERER_GENERAL_LOCALMSPDIR',
            'ORDERER_GENERAL_TLS_CERTIFICATE',
            'ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE',
            'ORDERER_GENERAL_LISTENPORT',
            'ORDERER_FILELEDGER_LOCATION',
            'ORDERER_CONSENSUS_WALDIR',
        ]) {
            assert.equal(distinct(key), 3, key);
        }
        assert.ok(envs.every((env) => env.ORDERER_METRICS_PROVIDER === 'prometheus'));
        assert.equal(layout.orderer(0).logFile, join(dir, 'fabric', 'logs', 'orderer.log'));
        assert.throws(() => toOrdererNode(material, 3), /3 ordering nodes/);
    });

    it("bounds the peers' gateway waits below the gateways' own ledger deadline", () => {
        const member = material.organizations[0];
        const ports = toFabricPorts(7150, 4).peers[0];
        assert.ok(member && ports);
        const env = toPeerEnv(member, ports, join(dir, 'peer'));
        assert.equal(env.CORE_PEER_GATEWAY_ENDORSEMENTTIMEOUT, PEER_GATEWAY_TIMEOUT);
        assert.equal(env.CORE_PEER_GATEWAY_BROADCASTTIMEOUT, PEER_GATEWAY_TIMEOUT);
        assert.match(readFileSync(material.orderer.nodes[2]?.tls.certFile ?? '', 'utf8'), /BEGIN CERTIFICATE/);
    });
});
