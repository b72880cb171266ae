import { useState, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../money.js';

/** The API's largest amount (terminalApi.ts: a 32-bit unsigned integer of minor units). */
export const MAX_AMOUNT = 0xffffffff;

export interface AmountEntryProps {
  /** ISO 4217 numeric code (392 = JPY); digits typed are minor units of it. */
  currency: number;
  locale: string;
  /** Called with the amount in minor units when the cashier presses Charge or Enter. */
  onCharge: (amount: number) => void;
  disabled?: boolean;
}

const DIGITS = ['7', '8', '9', '4', '5', '6', '1', '2', '3', '0'] as const;

/**
 * Amount entry: a field labelled "Amount" the physical keyboard types into (digits only, Enter
 * charges) and an on-screen keypad that types into the same field.
 */
export function AmountEntry({ currency, locale, onCharge, disabled = false }: AmountEntryProps) {
  const { t } = useTranslation();
  const [digits, setDigits] = useState('');
  const amount = digits === '' ? 0 : Number(digits);
  const tooLarge = amount > MAX_AMOUNT;

  const set = (next: string): void => setDigits(next.replace(/\D/g, '').replace(/^0+/, '').slice(0, 12));
  const onChange = (event: ChangeEvent<HTMLInputElement>): void => set(event.target.value);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (disabled || amount <= 0 || tooLarge) return;
    onCharge(amount);
    setDigits('');
  };

  return (
    <form className="amount-entry" onSubmit={submit}>
      <label htmlFor="amount-field">{t('amount.label')}</label>
      <input
        id="amount-field"
        type="text"
        inputMode="numeric"
        autoComplete="off"
        autoFocus
        value={digits}
        onChange={onChange}
        disabled={disabled}
        aria-invalid={tooLarge}
        aria-describedby="amount-preview"
      />
      <p id="amount-preview" className="amount-preview">{tooLarge ? t('amount.tooLarge') : t('amount.preview', { amount: formatMoney(amount, currency, locale) })}</p>
      <div role="group" aria-label={t('amount.keypad')} className="keypad">
        {DIGITS.map((digit) => (
          <button key={digit} type="button" disabled={disabled} onClick={() => set(digits + digit)}>
            {digit}
          </button>
        ))}
        <button type="button" disabled={disabled} onClick={() => set(`${digits}00`)}>
          {t('amount.doubleZero')}
        </button>
        <button type="button" disabled={disabled} onClick={() => set(digits.slice(0, -1))} aria-label={t('amount.backspace')}>
          {t('amount.backspaceSymbol')}
        </button>
        <button type="button" disabled={disabled} onClick={() => set('')}>
          {t('amount.clear')}
        </button>
      </div>
      <button type="submit" className="charge" disabled={disabled || amount <= 0 || tooLarge}>
        {t('amount.charge')}
      </button>
    </form>
  );
}
