/**
 * The screen's two languages (i18next). Every word a cashier reads comes from locales/*.json or,
 * for decline reasons, from terminal/src/shared (reasonText.ts and reasonTextJa.ts).
 */
import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { TextLanguage } from '../shared/reasonTextJa.js';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };

export type Language = TextLanguage;
export const LANGUAGES: readonly Language[] = ['ja', 'en'];
export const RESOURCES = { en, ja } as const;

/** The BCP 47 locale money and times are formatted in. */
export function localeOf(language: Language): string {
  return language === 'ja' ? 'ja-JP' : 'en-US';
}

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** A fresh i18next instance, ready synchronously (the resources are bundled, nothing loads). */
export function createI18n(language: Language): i18n {
  const instance = i18next.createInstance();
  // With bundled resources and initAsync off, init finishes before it returns; the promise
  // carries nothing more.
  void instance.use(initReactI18next).init({
    lng: language,
    fallbackLng: false,
    resources: { en: { translation: en }, ja: { translation: ja } },
    initAsync: false,
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}
