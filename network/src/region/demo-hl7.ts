// SPDX-License-Identifier: Apache-2.0
/**
 * The demo's HL7 v2 feed: what Hospital A's integration engine would send over MLLP once its patients are
 * registered with their medical record numbers — an admission (ADT^A01), lipid results (ORU^R01, LOINC coded,
 * with units, ranges and flags), a discharge summary (MDM^T02), and a result for a patient who never joined the
 * region, which waits in the pending queue. Control ids are fixed, so running the demo again is answered as
 * duplicates and changes nothing.
 */
import { MllpClient } from '../../../gateway/src/hl7/mllp-client';

/** The assigning authority of Hospital A's medical record numbers in the demo. */
export const DEMO_MRN_AUTHORITY = 'HOSPA';

/** Demo patients' medical record numbers at the first hospital. */
export const demoMrns: Readonly<Record<string, string>> = {
    'li-wei': 'MRN0042',
    'zhang-min': 'MRN0057',
    'wang-fang': 'MRN0063',
};

function msh(type: string, controlId: string, facility: string): string {
    return `MSH|^~\\&|HIS|HOSPA|HEALTHCHAIN|${facility}|20250601083000+0800||${type}|${controlId}|P|2.5.1|||||CHN|UNICODE UTF-8`;
}

function pid(mrn: string, family: string, given: string): string {
    return `PID|1||${mrn}^^^${DEMO_MRN_AUTHORITY}^MR||${family}^${given}^^^^^L||19650412|M|||88 Jiefang Rd^^Hangzhou^ZJ^310000^CHN^H`;
}

/** One message of the demo's feed. */
export interface DemoHl7Message {
    readonly label: string;
    readonly text: string;
    /** The demo patient (alias) whose record the message becomes once anchored; none when it waits. */
    readonly recordOf?: string;
}

/**
 * The demo's messages, for the first hospital.
 * @param facility - its MSP id (MSH-6)
 */
export function demoHl7Messages(facility: string): DemoHl7Message[] {
    const liWei = pid(demoMrns['li-wei'] ?? '', 'Li', 'Wei');
    // Wang Fang is registered at Hospital A without her medical record number: this result waits.
    const wangFang = pid(demoMrns['wang-fang'] ?? '', 'Wang', 'Fang');
    const visit = 'PV1|1|I|ENDO^0312^02^HOSPA||||1001^Zhang^Hua^^^Dr||||MED|||||||||V-2025-0601';
    return [
        {
            label: 'ADT^A01 admission of Li Wei',
            recordOf: 'li-wei',
            text: [
                msh('ADT^A01', 'DEMO-ADT-0001', facility),
                'EVN|A01|20250601083000',
                liWei,
                `${visit}|||||||||||||||||||||||||20250601080000`,
            ].join('\r'),
        },
        {
            label: 'ORU^R01 lipid panel of Li Wei',
            recordOf: 'li-wei',
            text: [
                msh('ORU^R01', 'DEMO-ORU-0001', facility),
                liWei,
                visit,
                'OBR|1|PLC-2001^HIS|FIL-2001^LIS|57698-3^Lipid panel with direct LDL - Serum or Plasma^LN|||20250602070000||||||||||||||||||F',
                'OBX|1|NM|2093-3^Cholesterol [Mass/volume] in Serum or Plasma^LN||212|mg/dL^mg/dL^UCUM|<200|H|||F',
                'OBX|2|NM|2085-9^HDL Cholesterol [Mass/volume] in Serum or Plasma^LN||44|mg/dL^mg/dL^UCUM|>40|N|||F',
                'OBX|3|NM|18262-6^LDL Cholesterol [Mass/volume] in Serum or Plasma by Direct assay^LN||141|mg/dL^mg/dL^UCUM|<130|H|||F',
                'NTE|1||Fasting 12 h',
            ].join('\r'),
        },
        {
            label: 'MDM^T02 discharge summary of Li Wei',
            recordOf: 'li-wei',
            text: [
                msh('MDM^T02', 'DEMO-MDM-0001', facility),
                'EVN|T02|20250605110000',
                liWei,
                visit,
                'TXA|1|DS|TX|20250605103000|1001^Zhang^Hua||20250605090000|||1001^Zhang^Hua||DS-2025-0601^HIS||||||AU',
                'OBX|1|TX|18842-5^Discharge summary^LN||Admitted for glycaemic control; discharged on metformin 1 g twice daily.~Follow-up at the endocrine clinic in 4 weeks.',
            ].join('\r'),
        },
        {
            label: 'ORU^R01 for Wang Fang (not linked at Hospital A: waits as pending)',
            text: [
                msh('ORU^R01', 'DEMO-ORU-0002', facility),
                wangFang,
                'OBR|1|PLC-2002^HIS|FIL-2002^LIS|4548-4^Hemoglobin A1c/Hemoglobin.total in Blood^LN|||20250603070000||||||||||||||||||F',
                'OBX|1|NM|4548-4^Hemoglobin A1c/Hemoglobin.total in Blood^LN||6.1|%^%^UCUM|4.0-6.0|H|||F',
            ].join('\r'),
        },
    ];
}

/**
 * Sends the demo's feed to a hospital's MLLP listener and reports each acknowledgment.
 * @param hl7Url - the listener
 * @param facility - the hospital's MSP id
 * @param log - progress lines
 * @throws Error when a message is not accepted
 */
export async function sendDemoHl7(hl7Url: string, facility: string, log: (line: string) => void): Promise<void> {
    const client = await MllpClient.connect(hl7Url);
    try {
        for (const message of demoHl7Messages(facility)) {
            const ack = await client.sendOne(message.text);
            if (ack.code !== 'AA') {
                throw new Error(`${message.label} was answered ${ack.code}`);
            }
            log(`  hl7     ${message.label}: ${ack.code}`);
        }
    } finally {
        await client.close();
    }
}
