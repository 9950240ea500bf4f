// SPDX-License-Identifier: Apache-2.0
/** The CLI's environment: the only module of the CLI that reads `process.env`. */
import { join, resolve } from 'node:path';

/** Default `--region`: `$HEALTHCHAIN_DATA/region.json`, or `./data/region.json`. */
export function defaultRegionFile(env: NodeJS.ProcessEnv = process.env): string {
    return resolve(join(env.HEALTHCHAIN_DATA || './data', 'region.json'));
}
