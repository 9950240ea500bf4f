// SPDX-License-Identifier: Apache-2.0
/** The CLI's environment: the only module of the CLI that reads `process.env`. */
import { join, resolve } from 'node:path';

/** Default `--region`: `$HEALTHCHAIN_DATA/region.json`, or `./data/region.json`. */
export function defaultRegionFile(env: NodeJS.ProcessEnv = process.env): string {
    return resolve(join(env.HEALTHCHAIN_DATA || './data', 'region.json'));
}

/**
 * The language of consent notices when `--language` is not given: Chinese when the locale is (`LC_ALL`, `LANG`
 * starting with `zh`), else English.
 * @param env - the environment
 */
export function defaultNoticeLanguage(env: NodeJS.ProcessEnv = process.env): 'zh-CN' | 'en' {
    const locale = env.LC_ALL || env.LANG || '';
    return locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}
