import { GENESIS_HASH, type JournalRecord, type SignedTrustBundle } from '@tegata/protocol';
import { BackendError, type BackendClient, type JournalReply } from '../../src/node/sync/backendClient.js';
import type { FakeTime } from './coreHarness.js';

type OutcomesPage = Awaited<ReturnType<BackendClient['outcomes']>>;
type AuthorizeAnswer = Awaited<ReturnType<BackendClient['authorize']>>;
type AuthorizeRequest = Parameters<BackendClient['authorize']>[0];

/** What each method does unless a test scripted a one-off answer. */
interface Behaviour {
  time: () => number;
  trust: (serial: number | null) => SignedTrustBundle | null;
  head: () => { seq: number; hash: string };
  journal: (records: readonly JournalRecord[]) => JournalReply;
  outcomes: (after: string) => OutcomesPage;
  authorize: (request: AuthorizeRequest) => AuthorizeAnswer;
}
type Method = keyof Behaviour;

export const networkError = (): BackendError => new BackendError('network', 'cannot reach http://backend.test: ECONNREFUSED');

/**
 * A backend in memory, behind BackendClient's methods: by default it answers the time on the
 * test's clock, says the trust bundle is current, reports the head of what it stored, stores records as a real backend would
 * (contiguous chain, idempotent by id, stops at the first record that does not fit) and has no
 * outcomes. A test replaces a method for good (`behaviour`) or for its next calls (`once`).
 */
export class FakeBackend {
  /** The backend's copy of the terminal's chain. */
  readonly chain: JournalRecord[] = [];
  readonly calls: { method: Method; args: unknown[] }[] = [];
  readonly behaviour: Behaviour;
  /** How many times the engine cut its requests short (on stop). */
  aborted = 0;
  readonly #once: { [M in Method]: Behaviour[M][] } = { time: [], trust: [], head: [], journal: [], outcomes: [], authorize: [] };

  constructor(time: FakeTime) {
    this.behaviour = {
      time: () => time.wall,
      trust: () => null,
      head: () => this.chainHead,
      journal: (records) => this.store(records),
      outcomes: (after) => ({ outcomes: [], cursor: after }),
      authorize: () => ({ authorization: 'auth-default', decision: 'approved' }),
    };
  }

  /** The next call of `method` runs `answer` (queued: several `once` run in order). */
  once<M extends Method>(method: M, answer: Behaviour[M]): this {
    this.#once[method].push(answer);
    return this;
  }

  /** Every call of `method` from now on fails with a network error. */
  unreachable(...methods: Method[]): this {
    for (const method of methods) {
      (this.behaviour as Record<Method, () => never>)[method] = () => {
        throw networkError();
      };
    }
    return this;
  }

  /** The seqs of every journal batch sent, in order. */
  get batches(): number[][] {
    return this.calls.filter((call) => call.method === 'journal').map((call) => (call.args[0] as JournalRecord[]).map((record) => record.seq));
  }

  callsOf(method: Method): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  get chainHead(): { seq: number; hash: string } {
    const last = this.chain.at(-1);
    return last === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: last.seq, hash: last.hash };
  }

  /** PROTOCOL.md §8 journal semantics, without the signature checks. */
  store(records: readonly JournalRecord[]): JournalReply {
    const results: JournalReply['results'] = [];
    for (const record of records) {
      const known = this.chain[record.seq - 1];
      if (known !== undefined) {
        const same = known.id === record.id && known.hash === record.hash;
        results.push(same ? { id: record.id, status: 'duplicate' } : { id: record.id, status: 'rejected', code: 'conflict' });
        if (!same) break;
        continue;
      }
      if (record.seq !== this.chainHead.seq + 1 || record.prevHash !== this.chainHead.hash) {
        results.push({ id: record.id, status: 'rejected', code: 'chain_gap' });
        break;
      }
      this.chain.push(structuredClone(record));
      results.push({ id: record.id, status: 'accepted' });
    }
    return { results, head: this.chainHead };
  }

  #answer<M extends Method>(method: M, args: Parameters<Behaviour[M]>): ReturnType<Behaviour[M]> {
    this.calls.push({ method, args: structuredClone(args) });
    const answer = (this.#once[method].shift() ?? this.behaviour[method]) as (...a: Parameters<Behaviour[M]>) => ReturnType<Behaviour[M]>;
    return answer(...args);
  }

  /** The object the engine talks to. Every answer arrives asynchronously, as over HTTP. */
  client(): BackendClient {
    const fake: Pick<BackendClient, 'baseUrl' | 'abort' | 'time' | 'trust' | 'head' | 'journal' | 'outcomes' | 'authorize'> = {
      baseUrl: 'http://backend.test',
      abort: () => {
        this.aborted++;
      },
      time: () => Promise.resolve().then(() => this.#answer('time', [])),
      trust: (serial) => Promise.resolve().then(() => this.#answer('trust', [serial])),
      head: () => Promise.resolve().then(() => this.#answer('head', [])),
      journal: (records) => Promise.resolve().then(() => this.#answer('journal', [records])),
      outcomes: (after) => Promise.resolve().then(() => this.#answer('outcomes', [after])),
      authorize: (request) => Promise.resolve().then(() => this.#answer('authorize', [request])),
    };
    return fake as unknown as BackendClient;
  }
}
