// SPDX-License-Identifier: Apache-2.0
/**
 * The HL7 intake's Prometheus metrics, registered on the gateway's registry (`gateway/src/metrics.ts`): what was
 * received, acknowledged, mapped and anchored, what waits and what failed, and how long from acknowledgment to
 * anchoring.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The intake's metrics. */
export interface Hl7Metrics {
    /** Messages received, by MSH-9 type (`unreadable` when no header could be read). */
    readonly received: Counter<'type'>;
    /** Acknowledgments sent, by MSA-1 code. */
    readonly acks: Counter<'code'>;
    /** Messages processed into records, by type. */
    readonly mapped: Counter<'type'>;
    /** Records anchored on the ledger. */
    readonly anchored: Counter;
    /** Anchoring transactions, by outcome, and their sizes. */
    readonly anchorBatches: Histogram;
    /** Messages waiting for a patient link. */
    readonly pending: Gauge;
    /** Messages in the error queue. */
    readonly errors: Gauge;
    /** Messages that went to the error queue, by reason code. */
    readonly failures: Counter<'code'>;
    /** Pending messages dropped, by reason (`expired`, `evicted`). */
    readonly dropped: Counter<'reason'>;
    /** Seconds from a frame's arrival to its acknowledgment. */
    readonly ackSeconds: Histogram;
    /** Seconds from a message's acknowledgment to the anchoring of its last record. */
    readonly anchorSeconds: Histogram;
}

/**
 * Creates the metrics on a registry.
 * @param registry - the gateway's registry
 */
export function newHl7Metrics(registry: Registry): Hl7Metrics {
    const registers = [registry];
    return {
        received: new Counter({
            name: 'healthchain_hl7_received_total',
            help: 'HL7 messages received, by type',
            labelNames: ['type'],
            registers,
        }),
        acks: new Counter({
            name: 'healthchain_hl7_acks_total',
            help: 'HL7 acknowledgments sent, by MSA-1 code',
            labelNames: ['code'],
            registers,
        }),
        mapped: new Counter({
            name: 'healthchain_hl7_mapped_total',
            help: 'HL7 messages processed into FHIR records, by type',
            labelNames: ['type'],
            registers,
        }),
        anchored: new Counter({
            name: 'healthchain_hl7_anchored_total',
            help: 'Records from the HL7 feed anchored on the ledger',
            registers,
        }),
        anchorBatches: new Histogram({
            name: 'healthchain_hl7_anchor_batch_size',
            help: 'Records per anchoring transaction of the HL7 feed',
            buckets: [1, 2, 5, 10, 20, 50, 100],
            registers,
        }),
        pending: new Gauge({
            name: 'healthchain_hl7_pending',
            help: 'HL7 messages waiting for a patient link',
            registers,
        }),
        errors: new Gauge({
            name: 'healthchain_hl7_errors',
            help: 'HL7 messages in the error queue',
            registers,
        }),
        failures: new Counter({
            name: 'healthchain_hl7_failures_total',
            help: 'HL7 messages that went to the error queue, by reason',
            labelNames: ['code'],
            registers,
        }),
        dropped: new Counter({
            name: 'healthchain_hl7_pending_dropped_total',
            help: 'Pending HL7 messages dropped unprocessed, by reason',
            labelNames: ['reason'],
            registers,
        }),
        ackSeconds: new Histogram({
            name: 'healthchain_hl7_ack_seconds',
            help: 'Seconds from an HL7 message to its acknowledgment',
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
            registers,
        }),
        anchorSeconds: new Histogram({
            name: 'healthchain_hl7_ack_to_anchored_seconds',
            help: 'Seconds from the acknowledgment of an HL7 message to the anchoring of its records',
            buckets: [0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300],
            registers,
        }),
    };
}
