// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { I18nextProvider } from 'react-i18next';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createI18n, localeOf, type Language } from '../i18n.js';
import { AmountEntry } from './AmountEntry.js';

afterEach(cleanup);

function renderEntry(language: Language = 'en', currency = 392) {
  const onCharge = vi.fn<(amount: number) => void>();
  render(
    <I18nextProvider i18n={createI18n(language)}>
      <AmountEntry currency={currency} locale={localeOf(language)} onCharge={onCharge} />
    </I18nextProvider>,
  );
  return { onCharge, user: userEvent.setup() };
}

describe('AmountEntry', () => {
  it('takes the amount from the physical keyboard, digits only, and charges on Enter', async () => {
    const { onCharge, user } = renderEntry();
    const field = screen.getByRole<HTMLInputElement>('textbox', { name: 'Amount' });
    expect(field).toBe(document.activeElement);
    await user.type(field, '1a2,00');
    expect(field.value).toBe('1200');
    expect(screen.getByText('To charge: ¥1,200')).toBeTruthy();
    await user.keyboard('{Enter}');
    expect(onCharge).toHaveBeenCalledWith(1200);
    expect(field.value).toBe('');
  });

  it('takes the amount from the on-screen keypad and charges with the Charge button', async () => {
    const { onCharge, user } = renderEntry();
    const keypad = screen.getByRole('group', { name: 'Keypad' });
    expect(keypad).toBeTruthy();
    const charge = screen.getByRole<HTMLButtonElement>('button', { name: 'Charge' });
    expect(charge.disabled).toBe(true);
    for (const key of ['1', '5', '00']) await user.click(screen.getByRole('button', { name: key }));
    await user.click(screen.getByRole('button', { name: 'Delete last digit' }));
    await user.click(screen.getByRole('button', { name: '0' }));
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Amount' }).value).toBe('1500');
    await user.click(charge);
    expect(onCharge).toHaveBeenCalledWith(1500);
  });

  it('Clear empties the field, and a zero amount cannot be charged', async () => {
    const { onCharge, user } = renderEntry();
    await user.click(screen.getByRole('button', { name: '0' }));
    await user.click(screen.getByRole('button', { name: '7' }));
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Amount' }).value).toBe('');
    await user.keyboard('{Enter}');
    expect(onCharge).not.toHaveBeenCalled();
  });

  it('refuses an amount over the API limit', async () => {
    const { onCharge, user } = renderEntry();
    await user.type(screen.getByRole('textbox', { name: 'Amount' }), '99999999999{Enter}');
    expect(screen.getByText('This amount is too large.')).toBeTruthy();
    expect(onCharge).not.toHaveBeenCalled();
  });

  it('shows minor units for a currency with decimals', async () => {
    const { onCharge, user } = renderEntry('en', 840);
    await user.type(screen.getByRole('textbox', { name: 'Amount' }), '1250');
    expect(screen.getByText('To charge: $12.50')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Charge' }));
    expect(onCharge).toHaveBeenCalledWith(1250);
  });

  it('speaks Japanese', async () => {
    const { onCharge, user } = renderEntry('ja');
    await user.type(screen.getByRole('textbox', { name: '金額' }), '300');
    await user.click(screen.getByRole('button', { name: '請求' }));
    expect(onCharge).toHaveBeenCalledWith(300);
  });
});
