// SPDX-License-Identifier: Apache-2.0
/* Typings for the internal fabric-shim modules that host contracts as a peer's chaincode process does. */

declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract' {
    import type { ChaincodeInterface } from 'fabric-shim';
    class ChaincodeFromContract implements ChaincodeInterface {
        constructor(
            contractClasses: unknown[],
            serializers: unknown,
            metadata?: object,
            title?: string,
            version?: string,
        );
        Init(stub: unknown): Promise<unknown>;
        Invoke(stub: unknown): Promise<unknown>;
    }
    export default ChaincodeFromContract;
}

declare module 'fabric-shim/lib/stub' {
    import type { peer } from '@hyperledger/fabric-protos';
    /** fabric-shim's `ChaincodeStub`; its state calls go to `handler`'s `handleGetState`, … */
    class ChaincodeStub {
        constructor(
            handler: object,
            channelId: string,
            txId: string,
            input: peer.ChaincodeInput,
            signedProposal: peer.SignedProposal,
        );
        /** The event set by the chaincode, if any. */
        readonly chaincodeEvent: peer.ChaincodeEvent | undefined;
    }
    export default ChaincodeStub;
}

declare module 'fabric-shim/lib/iterators' {
    import type { peer } from '@hyperledger/fabric-protos';
    /** Iterates a range query's results, asking `handler` for the next page and to close. */
    export class StateQueryIterator {
        constructor(handler: object, channelId: string, txId: string, response: peer.QueryResponse);
    }
    /** Iterates a key's history. */
    export class HistoryQueryIterator {
        constructor(handler: object, channelId: string, txId: string, response: peer.QueryResponse);
    }
}

declare module 'fabric-shim/lib/logger' {
    /** The part of a winston logger the embedded ledger tunes. */
    export interface LibraryLogger {
        silent: boolean;
        isLevelEnabled(level: string): boolean;
        warn: (...args: unknown[]) => void;
        info: (...args: unknown[]) => void;
        http: (...args: unknown[]) => void;
        verbose: (...args: unknown[]) => void;
        debug: (...args: unknown[]) => void;
        silly: (...args: unknown[]) => void;
    }
    export function getLogger(name: string): LibraryLogger;
}

declare module 'fabric-contract-api/lib/logger' {
    import type { LibraryLogger } from 'fabric-shim/lib/logger';
    export function getLogger(name: string): LibraryLogger;
}
