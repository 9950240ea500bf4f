// SPDX-License-Identifier: Apache-2.0
/**
 * The patient's key in the browser (WebCrypto): ECDSA P-256, the private key non-extractable and kept in
 * IndexedDB; the patient id from WebCrypto's SHA-256 of the key's SPKI DER; the protocol's payloads
 * (`chaincode/src/protocol/`) signed over their RFC 8785 form in IEEE P1363 (what WebCrypto produces),
 * base64url. The CLI does the same with node:crypto.
 *
 * Every payload names the region's `channel`; a `patient.query` is also bound to one gateway (`audience`, its
 * MSP id), one view and one use (`nonce`), and is accepted for two minutes: the page signs one per request.
 *
 * Backup: at creation (the only moment the key is extractable, in memory) the PKCS#8 key is encrypted with
 * AES-256-GCM under a key derived from the patient's passphrase (PBKDF2-SHA-256), into a file the patient
 * saves; restoring decrypts it and imports the key non-extractable again.
 */
import { toCanonicalJson } from '../../chaincode/src/protocol/canonical-json.js';
import { toNoticeBytes } from '../../chaincode/src/protocol/notice.js';
import type { NoticeLanguage, NoticeRef } from '../../chaincode/src/protocol/notice.js';
import { patientIdFromDigest } from '../../chaincode/src/protocol/patient-id.js';
import {
    actorOf,
    NONCE_BYTES,
    newExplainQueryPayload,
    newGrantPayload,
    newGuardianRegisterPayload,
    newGuardianshipPayload,
    newQueryPayload,
    newRegisterPayload,
    newRevokePayload,
} from '../../chaincode/src/protocol/payloads.js';
import type {
    ConsentTerms,
    ExplainQueryPayload,
    ExplainQueryScope,
    GrantPayload,
    GuardianRegisterPayload,
    PatientQueryScope,
    QueryPayload,
    RegisterPayload,
    RevokePayload,
    SignedEnvelope,
} from '../../chaincode/src/protocol/payloads.js';

/** The patient's key as the page holds it. */
export interface PatientKey {
    readonly patientId: string;
    /** Non-extractable. */
    readonly privateKey: CryptoKey;
    /** SPKI PEM, what `patient.register` carries. */
    readonly publicKeyPem: string;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DB_NAME = 'healthchain-patient';
const STORE = 'keys';
const KEY_NAME = 'patient';
/** PBKDF2 iterations of a backup (OWASP's figure for PBKDF2-HMAC-SHA256). */
export const BACKUP_ITERATIONS = 600_000;
const BACKUP_FORMAT = 'healthchain-patient-key-backup';

/** What IndexedDB keeps. */
interface StoredKey {
    readonly privateKey: CryptoKey;
    readonly spki: ArrayBuffer;
}

function toBase64(bytes: Uint8Array): string {
    let binary = '';
    for (const byte of bytes) {
        binary += String.fromCharCode(byte);
    }
    return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) {
        bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
}

/**
 * Unpadded base64url.
 * @param bytes - data
 */
export function toBase64Url(bytes: Uint8Array): string {
    return toBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function toPem(spki: ArrayBuffer): string {
    const lines = toBase64(new Uint8Array(spki)).match(/.{1,64}/g) ?? [];
    return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/**
 * The patient id of a public key.
 * @param spki - SPKI DER of the public key
 */
export async function toPatientId(spki: ArrayBuffer): Promise<string> {
    return patientIdFromDigest(new Uint8Array(await crypto.subtle.digest('SHA-256', spki)));
}

async function toPatientKey(stored: StoredKey): Promise<PatientKey> {
    return {
        patientId: await toPatientId(stored.spki),
        privateKey: stored.privateKey,
        publicKeyPem: toPem(stored.spki),
    };
}

function openDb(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = (): void => {
            request.result.createObjectStore(STORE);
        };
        request.onsuccess = (): void => {
            resolve(request.result);
        };
        request.onerror = (): void => {
            reject(request.error ?? new Error('IndexedDB'));
        };
    });
}

async function inStore<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await openDb();
    try {
        return await new Promise<T>((resolve, reject) => {
            const request = act(db.transaction(STORE, mode).objectStore(STORE));
            request.onsuccess = (): void => {
                resolve(request.result as T);
            };
            request.onerror = (): void => {
                reject(request.error ?? new Error('IndexedDB'));
            };
        });
    } finally {
        db.close();
    }
}

/** The key kept in this browser, if any. */
export async function readStoredKey(): Promise<PatientKey | undefined> {
    const stored = await inStore<StoredKey | undefined>('readonly', (store) => store.get(KEY_NAME));
    return stored === undefined ? undefined : toPatientKey(stored);
}

/** Forgets the key kept in this browser. */
export async function deleteStoredKey(): Promise<void> {
    await inStore<undefined>('readwrite', (store) => store.delete(KEY_NAME));
}

async function storeKey(pkcs8: ArrayBuffer, spki: ArrayBuffer): Promise<PatientKey> {
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, ECDSA, false, ['sign']);
    const stored: StoredKey = { privateKey, spki };
    await inStore<unknown>('readwrite', (store) => store.put(stored, KEY_NAME));
    return toPatientKey(stored);
}

async function deriveBackupKey(
    passphrase: string,
    salt: Uint8Array<ArrayBuffer>,
    iterations: number,
): Promise<CryptoKey> {
    const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, [
        'deriveKey',
    ]);
    return crypto.subtle.deriveKey(
        { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
        material,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
    );
}

/** The encrypted backup file (JSON). */
interface BackupFile {
    readonly format: typeof BACKUP_FORMAT;
    readonly version: 1;
    readonly patientId: string;
    readonly kdf: {
        readonly name: 'PBKDF2';
        readonly hash: 'SHA-256';
        readonly iterations: number;
        readonly salt: string;
    };
    readonly cipher: { readonly name: 'AES-GCM'; readonly iv: string };
    /** AES-GCM of `{"pkcs8": base64, "spki": base64}`; the patient id is the additional data. */
    readonly ciphertext: string;
}

/**
 * Creates a key, stores it non-extractable and returns it with its encrypted backup.
 * @param passphrase - protects the backup file
 */
export async function createKey(passphrase: string): Promise<{ key: PatientKey; backup: Blob }> {
    const pair = await crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);
    const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey);
    const spki = await crypto.subtle.exportKey('spki', pair.publicKey);
    const patientId = await toPatientId(spki);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const secret = new TextEncoder().encode(
        JSON.stringify({ pkcs8: toBase64(new Uint8Array(pkcs8)), spki: toBase64(new Uint8Array(spki)) }),
    );
    const aes = await deriveBackupKey(passphrase, salt, BACKUP_ITERATIONS);
    const additionalData = new TextEncoder().encode(patientId);
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, aes, secret);
    const file: BackupFile = {
        format: BACKUP_FORMAT,
        version: 1,
        patientId,
        kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: BACKUP_ITERATIONS, salt: toBase64(salt) },
        cipher: { name: 'AES-GCM', iv: toBase64(iv) },
        ciphertext: toBase64(new Uint8Array(ciphertext)),
    };
    const key = await storeKey(pkcs8, spki);
    return { key, backup: new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' }) };
}

function readBackupFile(text: string): BackupFile {
    const file = JSON.parse(text) as Partial<BackupFile> | null;
    const valid =
        file?.format === BACKUP_FORMAT &&
        typeof file.patientId === 'string' &&
        typeof file.kdf?.salt === 'string' &&
        typeof file.kdf.iterations === 'number' &&
        typeof file.cipher?.iv === 'string' &&
        typeof file.ciphertext === 'string';
    if (!valid) {
        throw new Error('BACKUP_INVALID');
    }
    return file as BackupFile;
}

/**
 * Restores a key from its backup file and stores it non-extractable.
 * @param text - the file's content
 * @param passphrase - its passphrase
 * @throws Error `BACKUP_INVALID` (not a backup), `BACKUP_PASSPHRASE` (wrong passphrase or damaged file)
 */
export async function restoreKey(text: string, passphrase: string): Promise<PatientKey> {
    let file: BackupFile;
    try {
        file = readBackupFile(text);
    } catch {
        throw new Error('BACKUP_INVALID');
    }
    const aes = await deriveBackupKey(passphrase, fromBase64(file.kdf.salt), file.kdf.iterations);
    const additionalData = new TextEncoder().encode(file.patientId);
    const iv = fromBase64(file.cipher.iv);
    const plain = await crypto.subtle
        .decrypt({ name: 'AES-GCM', iv, additionalData }, aes, fromBase64(file.ciphertext))
        .catch(() => {
            throw new Error('BACKUP_PASSPHRASE');
        });
    const secret = JSON.parse(new TextDecoder().decode(plain)) as { pkcs8: string; spki: string };
    const spki = fromBase64(secret.spki).buffer;
    if ((await toPatientId(spki)) !== file.patientId) {
        throw new Error('BACKUP_INVALID');
    }
    return storeKey(fromBase64(secret.pkcs8).buffer, spki);
}

/**
 * Signs a payload: ECDSA P-256/SHA-256 over its canonical JSON, IEEE P1363, base64url.
 * @param key - the patient's key
 * @param payload - the payload
 */
export async function signPayload<P extends object>(key: PatientKey, payload: P): Promise<SignedEnvelope<P>> {
    const data = new TextEncoder().encode(toCanonicalJson(payload));
    const signature = await crypto.subtle.sign(SIGN, key.privateKey, data);
    return { payload, signature: toBase64Url(new Uint8Array(signature)) };
}

/** The current time in the payloads' form. */
function now(): string {
    return new Date().toISOString();
}

/**
 * A signed `patient.register` (proof of possession; the chaincode accepts it for a day).
 * @param key - the patient's key
 * @param channel - the region's channel id
 */
export function newRegistration(key: PatientKey, channel: string): Promise<SignedEnvelope<RegisterPayload>> {
    return signPayload(key, newRegisterPayload(key.publicKeyPem, now(), channel));
}

/** A fresh query nonce: 16 random bytes, base64url (22 characters). */
export function newQueryNonce(): string {
    return toBase64Url(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
}

/**
 * A signed `patient.query` for one view at one gateway, accepted once and for two minutes: sign one per request.
 * @param key - the patient's key (a guardian's, with `forPatient`)
 * @param scope - the gateway's MSP id, the view and the region's channel
 * @param forPatient - the patient a guardian asks for
 */
export function newPatientQuery(
    key: PatientKey,
    scope: PatientQueryScope,
    forPatient?: string,
): Promise<SignedEnvelope<QueryPayload>> {
    const { patientId, signer } = actorOf(key.patientId, forPatient);
    return signPayload(key, newQueryPayload(patientId, { ...scope, signer }, now(), newQueryNonce()));
}

/**
 * A signed `patient.query` for the view `explain` about one of the patient's records: the query names the record,
 * so it opens that record's explanation only, at one gateway, once, for two minutes.
 * @param key - the patient's key (a guardian's, with `forPatient`)
 * @param scope - the gateway's MSP id, the region's channel and the record
 * @param forPatient - the patient a guardian asks for
 */
export function newExplainQuery(
    key: PatientKey,
    scope: ExplainQueryScope,
    forPatient?: string,
): Promise<SignedEnvelope<ExplainQueryPayload>> {
    const { patientId, signer } = actorOf(key.patientId, forPatient);
    return signPayload(key, newExplainQueryPayload(patientId, { ...scope, signer }, now(), newQueryNonce()));
}

/**
 * The reference a grant signs for the notice shown: SHA-256 (WebCrypto) of the notice text's UTF-8, and its
 * language (`protocol/notice.ts`).
 * @param text - the notice, as rendered by `renderNotice`
 * @param language - its language
 */
export async function toNoticeRef(text: string, language: NoticeLanguage): Promise<NoticeRef> {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(toNoticeBytes(text))));
    return { sha256: [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join(''), language };
}

/**
 * A signed `consent.grant` with a new random id.
 * @param key - the patient's key (a guardian's, with `forPatient`)
 * @param terms - grantee, purposes, categories, custodians, window
 * @param signed - the region's channel, the notice shown, and the patient a guardian grants for
 */
export function newConsentGrant(
    key: PatientKey,
    terms: ConsentTerms,
    signed: { readonly channel: string; readonly notice: NoticeRef; readonly forPatient?: string },
): Promise<SignedEnvelope<GrantPayload>> {
    const ids = { consentId: `consent-${crypto.randomUUID()}`, ...actorOf(key.patientId, signed.forPatient) };
    return signPayload(key, newGrantPayload(ids, terms, signed.notice, { issuedAt: now(), channel: signed.channel }));
}

/**
 * A signed `consent.revoke`.
 * @param key - the patient's key (a guardian's, with `forPatient`)
 * @param consentId - the consent
 * @param channel - the region's channel id
 * @param forPatient - the patient a guardian revokes for
 */
export function newConsentRevoke(
    key: PatientKey,
    consentId: string,
    channel: string,
    forPatient?: string,
): Promise<SignedEnvelope<RevokePayload>> {
    return signPayload(key, newRevokePayload({ consentId, ...actorOf(key.patientId, forPatient) }, now(), channel));
}

/**
 * A guardian's signed `guardian.register` for a patient, to hand to the hospital (proof of possession of the key).
 * @param key - the guardian's key
 * @param patientId - the patient the guardian will act for
 * @param channel - the region's channel id
 */
export function newGuardianRegistration(
    key: PatientKey,
    patientId: string,
    channel: string,
): Promise<SignedEnvelope<GuardianRegisterPayload>> {
    return signPayload(key, newGuardianRegisterPayload(patientId, key.publicKeyPem, { issuedAt: now(), channel }));
}

/**
 * The patient's signed `guardian.approve` (to hand to the hospital) or `guardianship.end`.
 * @param key - the patient's key
 * @param type - which act
 * @param guardianId - the guardian
 * @param channel - the region's channel id
 */
export function newGuardianshipAct(
    key: PatientKey,
    type: 'guardian.approve' | 'guardianship.end',
    guardianId: string,
    channel: string,
): Promise<SignedEnvelope> {
    const ids = { patientId: key.patientId, guardianId };
    return signPayload(key, newGuardianshipPayload(type, ids, { issuedAt: now(), channel }));
}
