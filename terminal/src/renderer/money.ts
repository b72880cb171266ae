/**
 * Money as the cashier reads it. Amounts are integers in the currency's minor unit and
 * currencies are ISO 4217 numeric codes, as in the terminal API (392 = JPY); the digits after
 * the point are the currency's own (none for yen), as Intl.NumberFormat knows them.
 */

/** ISO 4217 numeric → alphabetic, for the currencies a register is likely to meet. */
const ALPHA: Readonly<Record<number, string>> = {
  392: 'JPY',
  840: 'USD',
  978: 'EUR',
  826: 'GBP',
  756: 'CHF',
  156: 'CNY',
  410: 'KRW',
  344: 'HKD',
  702: 'SGD',
  901: 'TWD',
  36: 'AUD',
  124: 'CAD',
  48: 'BHD',
};

export function currencyAlpha(numeric: number): string | undefined {
  return ALPHA[numeric];
}

/** Digits after the point for a currency (0 for JPY, 2 for USD, 3 for BHD); 0 when unknown. */
export function minorDigits(numeric: number): number {
  const alpha = currencyAlpha(numeric);
  if (alpha === undefined) return 0;
  return new Intl.NumberFormat('en', { style: 'currency', currency: alpha }).resolvedOptions().maximumFractionDigits ?? 0;
}

/**
 * `formatMoney(1200, 392, 'en')` → "¥1,200"; `formatMoney(1250, 840, 'en')` → "$12.50". A
 * currency this table does not know is shown as the plain number of minor units and its code.
 */
export function formatMoney(amountMinor: number, currencyNumeric: number, locale: string): string {
  const alpha = currencyAlpha(currencyNumeric);
  if (alpha === undefined) {
    return `${new Intl.NumberFormat(locale).format(amountMinor)} (${String(currencyNumeric).padStart(3, '0')})`;
  }
  const digits = minorDigits(currencyNumeric);
  return new Intl.NumberFormat(locale, { style: 'currency', currency: alpha }).format(amountMinor / 10 ** digits);
}
