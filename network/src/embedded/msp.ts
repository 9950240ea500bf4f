// SPDX-License-Identifier: Apache-2.0
/**
 * Membership: which certificates speak for which organisation. Mirrors what a Fabric peer's MSP checks
 * for a proposal's creator — the certificate chains to one of that organisation's root CAs, is inside its
 * validity window, is not itself a CA, carries a P-256 key — and verifies the creator's signature,
 * refusing high-S ECDSA signatures as Fabric does.
 */
import { X509Certificate, createHash, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { EndorseError, P256_HALF_N } from '../ledger';
import type { Identity } from './proposal';

/** An organisation's membership definition: its MSP id and the root CA certificates it trusts. */
export interface MspDefinition {
    readonly mspId: string;
    readonly rootCertsPem: readonly string[];
}

interface ValidIdentity {
    readonly publicKey: KeyObject;
    readonly cert: X509Certificate;
}

const verifyOnPool = promisify(
    (data: Uint8Array, key: KeyObject, signature: Uint8Array, callback: (error: Error | null, ok: boolean) => void) => {
        verify('sha256', data, key, signature, callback);
    },
);

function readDerInteger(der: Uint8Array, offset: number): { value: bigint; next: number } {
    if (der[offset] !== 0x02) {
        throw new Error('not an INTEGER');
    }
    const length = der[offset + 1] ?? 0;
    if (length === 0 || length > 33) {
        throw new Error('bad INTEGER length');
    }
    const bytes = der.subarray(offset + 2, offset + 2 + length);
    return { value: BigInt('0x' + Buffer.from(bytes).toString('hex')), next: offset + 2 + length };
}

/**
 * Reads the `s` value of an ASN.1 DER ECDSA signature.
 * @param der - `SEQUENCE { r INTEGER, s INTEGER }`
 * @throws Error when the bytes are not such a sequence
 */
export function readSignatureS(der: Uint8Array): bigint {
    if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) {
        throw new Error('not a DER ECDSA signature');
    }
    const r = readDerInteger(der, 2);
    const s = readDerInteger(der, r.next);
    if (s.next !== der.length) {
        throw new Error('trailing bytes after signature');
    }
    return s.value;
}

/** Validates creators against the organisations' root CAs and verifies their signatures. */
export class Msp {
    readonly #roots = new Map<string, X509Certificate[]>();
    readonly #valid = new Map<string, ValidIdentity>();

    /**
     * @param definitions - every organisation the ledger accepts transactions from
     */
    constructor(definitions: readonly MspDefinition[]) {
        for (const definition of definitions) {
            this.#roots.set(
                definition.mspId,
                definition.rootCertsPem.map((pem) => new X509Certificate(pem)),
            );
        }
    }

    /** The MSP ids this ledger knows. */
    get mspIds(): string[] {
        return [...this.#roots.keys()];
    }

    /**
     * Checks that an identity belongs to the organisation it claims, at a given time.
     * @param identity - MSP id and PEM certificate
     * @param now - the time of the check
     * @throws EndorseError UNKNOWN_IDENTITY
     */
    validate(identity: Identity, now: Date): ValidIdentity {
        const cacheKey = identity.mspId + '\0' + createHash('sha256').update(identity.credentials).digest('hex');
        const cached = this.#valid.get(cacheKey);
        if (cached) {
            assertWithinValidity(cached.cert, now);
            return cached;
        }
        const roots = this.#roots.get(identity.mspId);
        if (!roots) {
            throw new EndorseError('UNKNOWN_IDENTITY', `Unknown MSP ${identity.mspId}`);
        }
        const cert = parseCertificate(identity.credentials);
        if (!roots.some((root) => cert.checkIssued(root) && cert.verify(root.publicKey))) {
            throw new EndorseError('UNKNOWN_IDENTITY', `Certificate is not issued by a CA of ${identity.mspId}`);
        }
        assertWithinValidity(cert, now);
        const publicKey = cert.publicKey;
        if (cert.ca || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
            throw new EndorseError('UNKNOWN_IDENTITY', 'Certificate is not an ECDSA P-256 end-entity certificate');
        }
        const valid = { publicKey, cert };
        this.#valid.set(cacheKey, valid);
        return valid;
    }

    /**
     * Validates the identity and verifies its signature over some bytes.
     * @param identity - the signer
     * @param data - the signed bytes (hashed here with SHA-256)
     * @param signature - ASN.1 DER ECDSA signature, low-S
     * @param now - the time of the check
     * @throws EndorseError UNKNOWN_IDENTITY or BAD_SIGNATURE
     */
    verify(identity: Identity, data: Uint8Array, signature: Uint8Array, now: Date): void {
        const publicKey = this.#checkedKey(identity, signature, now);
        if (!verify('sha256', data, publicKey, signature)) {
            throw new EndorseError('BAD_SIGNATURE', 'Signature does not verify against the creator certificate');
        }
    }

    /**
     * As {@link verify}, with the ECDSA verification on libuv's thread pool so that endorsements of
     * concurrent proposals use every core.
     * @param identity - the signer
     * @param data - the signed bytes
     * @param signature - ASN.1 DER ECDSA signature, low-S
     * @param now - the time of the check
     * @throws EndorseError UNKNOWN_IDENTITY or BAD_SIGNATURE
     */
    async verifyAsync(identity: Identity, data: Uint8Array, signature: Uint8Array, now: Date): Promise<void> {
        const publicKey = this.#checkedKey(identity, signature, now);
        if (!(await verifyOnPool(data, publicKey, signature))) {
            throw new EndorseError('BAD_SIGNATURE', 'Signature does not verify against the creator certificate');
        }
    }

    #checkedKey(identity: Identity, signature: Uint8Array, now: Date): KeyObject {
        const { publicKey } = this.validate(identity, now);
        let lowS: boolean;
        try {
            lowS = readSignatureS(signature) <= P256_HALF_N;
        } catch (cause) {
            throw new EndorseError('BAD_SIGNATURE', 'Signature is not DER-encoded ECDSA', { cause });
        }
        if (!lowS) {
            throw new EndorseError('BAD_SIGNATURE', 'Signature is not in low-S form');
        }
        return publicKey;
    }
}

function parseCertificate(credentials: Uint8Array): X509Certificate {
    try {
        return new X509Certificate(Buffer.from(credentials));
    } catch (cause) {
        throw new EndorseError('UNKNOWN_IDENTITY', 'Creator is not an X.509 certificate', { cause });
    }
}

function assertWithinValidity(cert: X509Certificate, now: Date): void {
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
        throw new EndorseError('UNKNOWN_IDENTITY', 'Certificate is outside its validity period');
    }
}
