// SPDX-License-Identifier: Apache-2.0
/**
 * The health-chain chaincode. fabric-shim's bootstrap (`fabric-chaincode-node start`) reads `contracts`
 * from the package's main module; the embedded ledger hosts the same list.
 */
import type { Contract } from 'fabric-contract-api';
import { AccessContract } from './contracts/access';
import { AuditContract } from './contracts/audit';
import { ClaimContract } from './contracts/claim';
import { ConsentContract } from './contracts/consent';
import { OrganizationContract } from './contracts/organization';
import { PatientContract } from './contracts/patient';
import { RecordContract } from './contracts/record';

/** Every contract of the chaincode; the first is the default contract. */
export const contracts: (typeof Contract)[] = [
    OrganizationContract,
    PatientContract,
    RecordContract,
    ConsentContract,
    AccessContract,
    AuditContract,
    ClaimContract,
];
