import type { DeclineReason, OnlineReason } from '@tegata/protocol';
import { declineText, type ReasonText } from './reasonText.js';

/**
 * The Japanese of reasonText.ts, code for code: the one other place a reason's words live. The
 * cashier UI picks a table by language through `declineTextIn`; it writes no reason text itself.
 */
export const REASON_TEXT_JA: Readonly<Record<DeclineReason, ReasonText>> = {
  malformed: {
    title: 'これは支払いコードではありません',
    action: 'お客様にウォレットアプリの支払い画面を開いていただいてください。',
  },
  unsupported_version: {
    title: 'この支払いコードはレジより新しい形式です',
    action: '別のお支払い方法をお願いし、レジの更新が必要なことを店長に伝えてください。',
  },
  unknown_issuer: {
    title: '発行元が不明な支払いコードです',
    action: '別のお支払い方法をお願いしてください。繰り返す場合はレジを同期してください。',
  },
  bad_cert_signature: {
    title: 'この支払いコードは正規のものではありません',
    action: '別のお支払い方法をお願いしてください。',
  },
  device_revoked: {
    title: 'このスマートフォンは利用停止されています',
    action: '別のお支払い方法をお願いしてください。',
  },
  cert_not_yet_valid: {
    title: 'このスマートフォンのウォレットはまだ有効になっていません',
    action: 'スマートフォンの日付と時刻の確認をお願いするか、別のお支払い方法をお願いしてください。',
  },
  cert_expired: {
    title: 'このスマートフォンのウォレットはオンライン接続が必要です',
    action: 'スマートフォンをインターネットに接続し、コードを更新していただいてください。',
  },
  bad_token_signature: {
    title: 'この支払いコードは正規のものではありません',
    action: 'コードの更新をお願いしてください。再び失敗する場合は別のお支払い方法をお願いしてください。',
  },
  ttl_too_long: {
    title: 'この支払いコードはここでは使えません',
    action: 'コードの更新をお願いしてください。',
  },
  token_from_future: {
    title: 'スマートフォンの時計がずれています',
    action: 'スマートフォンの日付と時刻を自動設定にしてから、コードを更新していただいてください。',
  },
  token_expired: {
    title: 'この支払いコードは有効期限切れです',
    action: 'コードの更新をお願いしてください。',
  },
  currency_mismatch: {
    title: 'このウォレットは別の通貨で支払います',
    action: '別のお支払い方法をお願いしてください。',
  },
  over_payment_limit: {
    title: '金額がこのウォレットの1回の支払い上限を超えています',
    action: '別のお支払い方法をお願いするか、会計を分けてください。',
  },
  replayed: {
    title: 'この支払いコードは使用済みです',
    action: 'コードの更新をお願いしてください。',
  },
  over_offline_total: {
    title: 'このウォレットはこのレジでのオフライン上限に達しました',
    action: 'レジがオンラインに戻るまで、別のお支払い方法をお願いしてください。',
  },
  terminal_store_full: {
    title: '同期待ちの支払いが多すぎます',
    action: 'レジをネットワークに接続してください。それまでは別のお支払い方法をお願いしてください。',
  },
  terminal_offline_too_long: {
    title: 'レジのオフライン時間が長すぎます',
    action: 'レジをネットワークに接続してください。それまでは別のお支払い方法をお願いしてください。',
  },
  trust_stale: {
    title: 'レジのセキュリティ情報が古くなっています',
    action: 'レジをネットワークに接続して更新してください。それまでは別のお支払い方法をお願いしてください。',
  },
  clock_untrusted: {
    title: 'レジの時計が確認されていません',
    action: 'レジをネットワークに接続して時計を合わせてください。それまでは別のお支払い方法をお願いしてください。',
  },
};

/** The Japanese of ONLINE_REASON_TEXT. */
export const ONLINE_REASON_TEXT_JA: Readonly<Record<Exclude<OnlineReason, DeclineReason>, ReasonText>> = {
  insufficient_funds: {
    title: 'ウォレットの残高が足りません',
    action: 'チャージをお願いするか、別のお支払い方法をお願いしてください。',
  },
  unknown_device: {
    title: 'このスマートフォンは決済サービスに登録されていません',
    action: '別のお支払い方法をお願いしてください。',
  },
  device_pending: {
    title: 'このスマートフォンは最近ウォレットに追加されたため、まだ支払いできません',
    action: '以前のスマートフォンか別のお支払い方法をお願いしてください。待機期間が終われば新しいスマートフォンで支払えます。',
  },
  account_frozen: {
    title: 'お客様保護のため、このウォレットは凍結されています',
    action: '別のお支払い方法をお願いしてください。アプリでパスワードを再設定すると凍結を解除できます。',
  },
};

/** The languages the register speaks. */
export type TextLanguage = 'en' | 'ja';

/** A decline's text in a language; undefined for a code this build does not know. */
export function declineTextIn(language: TextLanguage, reason: string): ReasonText | undefined {
  if (language === 'en') return declineText(reason);
  if (Object.hasOwn(REASON_TEXT_JA, reason)) return REASON_TEXT_JA[reason as DeclineReason];
  if (Object.hasOwn(ONLINE_REASON_TEXT_JA, reason)) return ONLINE_REASON_TEXT_JA[reason as keyof typeof ONLINE_REASON_TEXT_JA];
  return undefined;
}
