// SPDX-License-Identifier: Apache-2.0
/**
 * The region story (registration, publication, denial, consent, fetch, revocation, break-the-glass and its
 * review, a claim verified and decided, the patient's access log, the commission's audit) against a real region
 * (launcher, ledger node and four gateways as processes on loopback), through the gateways' HTTP API only (steps
 * in `test/helpers/story.ts`).
 */
import { startLauncherRegion } from '../helpers/launcher';
import { describeRegionStory } from '../helpers/story';

describe('the region story over HTTP (real processes)', function () {
    this.timeout(300_000);
    describeRegionStory(() => startLauncherRegion());
});
