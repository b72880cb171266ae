/**
 * The database as Kysely sees it, identical on SQLite and PostgreSQL. Conventions that keep
 * one set of queries for both: times are integers (`*_at` in Unix milliseconds unless named
 * `*_s`), money is an integer of minor units (`bigint`), booleans are 0/1 integers, keys and
 * signatures are base64url text, device ids 16 lowercase hex characters.
 *
 * One file on purpose (over 400 lines): Kysely takes one Database interface, and every table's
 * row type next to the others is what a reader of a query looks up.
 */
import type { JournalRecordRow } from '@tegata/protocol';
import type { Generated, Insertable, Selectable } from 'kysely';

export interface StoresTable {
  id: string;
  name: string;
  created_at: number;
}

export interface EnrollmentCodesTable {
  /** SHA-256 (hex) of the normalised code; the code itself is never stored. */
  code_hash: string;
  store_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  terminal_id: string | null;
}

export type TerminalStatus = 'active' | 'revoked';

export interface TerminalsTable {
  id: string;
  store_id: string;
  name: string;
  public_key: string;
  status: TerminalStatus;
  enrolled_at: number;
  revoked_at: number | null;
  /** The backend's copy of the terminal's chain ends here (PROTOCOL.md §7). */
  head_seq: Generated<number>;
  head_hash: string;
  head_created_at: number | null;
  /** Arrival of the latest journal request. */
  last_journal_at: number | null;
  /**
   * Arrival of the latest journal request after which the terminal had nothing left to send
   * (a batch shorter than the maximum): every later record was created after it.
   */
  caught_up_at: number | null;
  /** Outcomes of this terminal's records are numbered 1, 2, …: the cursor of §8. */
  outcome_seq: Generated<number>;
}

/** Trust bundle serials a terminal is known to have held, and since when. */
export interface TerminalTrustTable {
  terminal_id: string;
  serial: number;
  since: number;
}

export interface TrustBundlesTable {
  serial: number;
  issued_at_s: number;
  expires_at_s: number;
  /** SHA-256 of what a rebuild compares (issuers, revocations, policy). */
  content_hash: string;
  /** The signed JSON exactly as served (PROTOCOL.md §5). */
  bundle: string;
  created_at: number;
}

export type AccountStatus = 'active' | 'closed';

/** `new`: signed up less than `accounts.newAccountDays` ago, lower offline limits. */
export type AccountRisk = 'new' | 'standard';

/** Customer accounts. Phone (E.164) and e-mail (lowercase) are both verified at sign-up. */
export interface AccountsTable {
  id: string;
  status: AccountStatus;
  phone: string | null;
  email: string | null;
  /** `scrypt$ln=…,r=…,p=…$salt$hash`: the parameters travel with the hash (upgrade on login). */
  password_hash: string | null;
  phone_verified_at: number | null;
  email_verified_at: number | null;
  created_at: number;
  updated_at: number;
  risk: Generated<AccountRisk>;
  password_changed_at: number | null;
  /** The last completed password reset. */
  reset_at: number | null;
  /** Until then, devices bound after `reset_at` get certificates with zero offline limits. */
  cooldown_until: number | null;
  /** "This wasn't me" (issue 17): binding, password change and online payments stop until a clean two-code reset. */
  frozen_at: Generated<number | null>;
  /** When a SIM change within the window last made an SMS code count for nothing. */
  sim_swap_flagged_at: Generated<number | null>;
}

/** A sign-up waiting for both codes (PROTOCOL.md §8 `POST /v1/accounts/verify`). */
export interface SignupsTable {
  id: string;
  phone: string;
  email: string;
  password_hash: string;
  ip: string;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

/** `bind_email`, `password_email`: the e-mail code a full session asks for to bind a phone without the old one, or to change the password. */
export type CodePurpose = 'signup_sms' | 'signup_email' | 'login' | 'reset_sms' | 'reset_email' | 'bind_email' | 'password_email' | 'undo';
export type Channel = 'sms' | 'email';

/** One-time codes: only a keyed hash is stored; bound to the request (`subject_id`) that asked. */
export interface OneTimeCodesTable {
  id: string;
  purpose: CodePurpose;
  subject_id: string;
  account_id: string | null;
  channel: Channel;
  /** Null for the stand-in codes of requests about no account (never sent anywhere). */
  destination: string | null;
  code_hash: string;
  attempts: Generated<number>;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface LoginChallengesTable {
  id: string;
  account_id: string;
  channel: Channel;
  ip: string;
  user_agent: string;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

/** `restricted`: e-mail second factor, may only view the wallet and revoke devices. */
export type SessionScope = 'full' | 'restricted';
export type SecondFactor = 'sms' | 'email' | 'device';

export interface SessionsTable {
  id: string;
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  token_hash: string;
  account_id: string;
  scope: SessionScope;
  second_factor: SecondFactor;
  /** When the second factor was verified (device binding needs SMS within 10 minutes). */
  verified_at: number;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  ended_at: number | null;
  ended_reason: string | null;
  ip: string;
  user_agent: string;
  /** A session binds at most one phone: set, with a guarded update, by the bind that used it. */
  bind_used_at: Generated<number | null>;
}

export interface PasswordResetsTable {
  id: string;
  /** Null when the login named no account: the request is answered the same way. */
  account_id: string | null;
  login_hash: string;
  ip: string;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

export type NotificationStatus = 'pending' | 'sent' | 'failed';

/** The notifications outbox: written in the domain transaction, delivered by a transport. */
export interface NotificationsTable {
  id: string;
  account_id: string | null;
  channel: Channel;
  destination: string;
  kind: string;
  /** The message; outside dev mode cleared once delivered (it may hold a code). */
  text: string | null;
  /** The message with any code masked, kept for support. */
  redacted: string;
  status: NotificationStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** Growing-delay failure counters (login, codes); the delay is computed from them on read. */
export interface ThrottlesTable {
  key: string;
  failures: number;
  last_at: number;
  /** A counter whose last failure is older than this starts again from one. */
  decay_ms: number;
}

/** Every device ever bound, and what happened to it, with where it came from. */
export interface DeviceHistoryTable {
  id: string;
  device_id: string;
  account_id: string;
  event: 'bound' | 'renewed' | 'revoked' | 'hold_ended';
  at: number;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

export type TopupStatus = 'pending' | 'challenge_required' | 'succeeded' | 'declined';

export interface TopupsTable {
  id: string;
  account_id: string;
  wallet_id: string;
  amount: number;
  currency: number;
  status: TopupStatus;
  gateway_ref: string | null;
  decline_reason: string | null;
  transaction_id: string | null;
  ip: string;
  created_at: number;
  completed_at: number | null;
}

/** A customer's wallet; its id is also its ledger account's id. */
export interface WalletsTable {
  id: string;
  account_id: string;
  currency: number;
  created_at: number;
}

/** `pending`: bound without the established phone, waiting `pending_until` before it may pay. */
export type DeviceStatus = 'active' | 'pending' | 'revoked';

export interface DevicesTable {
  /** 16 lowercase hex characters, random, assigned at binding. */
  id: string;
  account_id: string;
  wallet_id: string;
  public_key: string;
  name: string;
  status: DeviceStatus;
  bound_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
  /** not_after (seconds) of the newest certificate: a revocation's `until` (§5). */
  until_s: number | null;
  /** While pending: when the hold ends and the phone replaces the active one. */
  pending_until: Generated<number | null>;
}

export interface CertificatesTable {
  id: string;
  device_id: string;
  issuer_kid: string;
  not_before_s: number;
  not_after_s: number;
  currency: number;
  per_payment_limit: number;
  cumulative_limit: number;
  /** base64url of the 128 bytes. */
  certificate: string;
  issued_at: number;
}

export type LedgerAccountKind = 'wallet' | 'store' | 'operator_loss' | 'operator_funding';

export interface LedgerAccountsTable {
  id: string;
  kind: LedgerAccountKind;
  /** The wallet's, store's id; null for the operator's accounts. */
  owner_id: string | null;
  currency: number;
  /** Always the sum of the account's entries (a test checks it after every scenario). */
  balance: number;
  created_at: number;
}

export interface LedgerTransactionsTable {
  id: string;
  kind: string;
  record_id: string | null;
  created_at: number;
  memo: string | null;
}

/** One row per account a transaction touches; a transaction's amounts sum to zero. */
export interface LedgerEntriesTable {
  transaction_id: string;
  account_id: string;
  amount: number;
  created_at: number;
}

export type RecordStatus = 'accepted' | 'quarantined';

/** A journal record's columns (protocol's codec) and what the backend keeps beside them. */
export interface JournalRecordsTable extends JournalRecordRow {
  store_id: string;
  received_at: number;
  status: RecordStatus;
  /** Read from the token's certificate (unverified) for fraud analysis. */
  device_id: string | null;
}

/** The first use of each (device, counter): a later use is a copy or a clone. */
export interface TokenUsesTable {
  device_id: string;
  counter: number;
  token: string;
  terminal_id: string;
  record_id: string | null;
  reservation_id: string | null;
  created_at: number;
}

export interface SettlementsTable {
  record_id: string;
  outcome: string;
  wallet_id: string | null;
  device_id: string | null;
  /** What the wallet paid, what the operator covered, what the store was credited. */
  from_wallet: number;
  from_operator: number;
  to_store: number;
  /** Refunded so far (payments only). */
  refunded: number;
  voided: number;
  transaction_id: string | null;
  settled_at: number;
}

export interface OutcomesTable {
  terminal_id: string;
  seq: number;
  record_id: string;
  outcome: string;
  at: number;
}

export type ReservationStatus = 'active' | 'consumed' | 'released' | 'declined';

export interface ReservationsTable {
  /** The authorization id a journal record carries. */
  id: string;
  terminal_id: string;
  sale_id: string;
  token: string | null;
  device_id: string | null;
  counter: number | null;
  wallet_id: string | null;
  amount: number;
  currency: number;
  decision: string;
  reason: string | null;
  status: ReservationStatus;
  created_at: number;
  expires_at: number;
}

export interface FlagsTable {
  id: string;
  kind: string;
  terminal_id: string | null;
  store_id: string | null;
  device_id: string | null;
  record_id: string | null;
  amount: number | null;
  currency: number | null;
  /** JSON text with details for the reviewer; never a token, code or key. */
  detail: string | null;
  created_at: number;
  resolved_at: number | null;
  /** What an open flag is about (a network, a login name): one open flag per kind and subject. */
  subject: string | null;
  /** How many times it was seen while open. */
  occurrences: Generated<number>;
  last_seen_at: number | null;
}

/** Fixed-window counters shared by every HTTP node (DESIGN.md: rate limits live in the database). */
export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface Database {
  stores: StoresTable;
  enrollment_codes: EnrollmentCodesTable;
  terminals: TerminalsTable;
  terminal_trust: TerminalTrustTable;
  trust_bundles: TrustBundlesTable;
  accounts: AccountsTable;
  wallets: WalletsTable;
  devices: DevicesTable;
  certificates: CertificatesTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  journal_records: JournalRecordsTable;
  token_uses: TokenUsesTable;
  settlements: SettlementsTable;
  outcomes: OutcomesTable;
  reservations: ReservationsTable;
  flags: FlagsTable;
  rate_limits: RateLimitsTable;
  signups: SignupsTable;
  one_time_codes: OneTimeCodesTable;
  login_challenges: LoginChallengesTable;
  sessions: SessionsTable;
  password_resets: PasswordResetsTable;
  notifications: NotificationsTable;
  throttles: ThrottlesTable;
  device_history: DeviceHistoryTable;
  topups: TopupsTable;
}

export type Terminal = Selectable<TerminalsTable>;
export type JournalRow = Selectable<JournalRecordsTable>;
export type NewJournalRow = Insertable<JournalRecordsTable>;
export type Device = Selectable<DevicesTable>;
export type Flag = Selectable<FlagsTable>;
export type Account = Selectable<AccountsTable>;
export type Session = Selectable<SessionsTable>;
