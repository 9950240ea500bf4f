// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway serving the page, as `GET /health` names it: its organisation's MSP id (`org`) and the region's
 * channel id (`channel`). The patient's signatures name both: every payload the channel, every query the
 * gateway it is sent to (its `audience`). Read once per page; a failed read is tried again on the next use.
 */
import { call } from './api.js';
import { MSP_ID_PATTERN } from '../../chaincode/src/protocol/input.js';
import { CHANNEL_PATTERN } from '../../chaincode/src/protocol/payloads.js';

/** The organisation whose gateway serves the page, and the region's channel. */
export interface GatewayIdentity {
    /** MSP id: the audience of the patient's queries. */
    readonly org: string;
    /** Channel id: named in every patient-signed payload. */
    readonly channel: string;
}

let known: Promise<GatewayIdentity> | undefined;

async function readIdentity(): Promise<GatewayIdentity> {
    const health = await call<{ readonly org?: unknown; readonly channel?: unknown }>('GET', '/health', {
        staff: false,
    });
    const { org, channel } = health;
    if (
        typeof org !== 'string' ||
        !MSP_ID_PATTERN.test(org) ||
        typeof channel !== 'string' ||
        !CHANNEL_PATTERN.test(channel)
    ) {
        throw new Error('GATEWAY_IDENTITY');
    }
    return { org, channel };
}

/**
 * The gateway's organisation and the region's channel.
 * @throws ApiError when `/health` fails; Error `GATEWAY_IDENTITY` when it does not name both
 */
export function gatewayIdentity(): Promise<GatewayIdentity> {
    known ??= readIdentity().catch((error: unknown) => {
        known = undefined;
        throw error;
    });
    return known;
}
