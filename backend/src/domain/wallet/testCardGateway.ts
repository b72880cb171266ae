/**
 * A card gateway for development and tests (never in production: dev mode only), with the
 * test-card convention of real providers:
 * - `tok_test_3ds` (and any other `tok_test_…`): a 3-D Secure challenge; answering
 *   `TEST_3DS_PASS` approves, anything else declines (`authentication_failed`);
 * - `tok_test_frictionless`: approved without a challenge;
 * - `tok_test_declined`: declined (`card_declined`);
 * - anything else: declined (`invalid_card_token`).
 */
import { toHex } from '@tegata/protocol';
import type { Random } from '../../runtime/random.js';
import type { CardGateway, ChallengeResult, ChargeResult } from './cardGateway.js';

export const TEST_3DS_PASS = '424242';

export function testCardGateway(random: Random): CardGateway {
  const pending = new Map<string, { topupId: string; done: boolean }>();
  const charged = new Map<string, ChargeResult>();
  return {
    name: 'test',
    charge(request) {
      const earlier = charged.get(request.topupId);
      if (earlier !== undefined) return Promise.resolve(earlier);
      const reference = `test_${toHex(random.bytes(8))}`;
      let result: ChargeResult;
      if (request.cardToken === 'tok_test_frictionless') result = { status: 'approved', reference };
      else if (request.cardToken === 'tok_test_declined') result = { status: 'declined', reference, reason: 'card_declined' };
      else if (request.cardToken.startsWith('tok_test_')) {
        pending.set(reference, { topupId: request.topupId, done: false });
        result = { status: 'challenge', reference, challenge: { prompt: `TEST card: enter ${TEST_3DS_PASS} to approve, anything else to fail` } };
      } else result = { status: 'declined', reference: null, reason: 'invalid_card_token' };
      charged.set(request.topupId, result);
      return Promise.resolve(result);
    },
    completeChallenge(request) {
      const entry = pending.get(request.reference);
      let result: ChallengeResult;
      if (entry === undefined || entry.done) result = { status: 'declined', reference: request.reference, reason: 'unknown_challenge' };
      else {
        entry.done = true;
        result =
          request.response === TEST_3DS_PASS
            ? { status: 'approved', reference: request.reference }
            : { status: 'declined', reference: request.reference, reason: 'authentication_failed' };
      }
      return Promise.resolve(result);
    },
  };
}
