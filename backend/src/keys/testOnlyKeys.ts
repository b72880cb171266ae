/**
 * Public keys of the TEST-ONLY fixtures (fixtures/keys/TEST-ONLY-*.json). Anyone can recompute
 * their private keys, so outside dev mode the backend refuses to run with any of them as a
 * root, bundle or issuer key, and to enroll a terminal or bind a device that uses one. A test
 * checks this list against the fixture files.
 */
export const TEST_ONLY_PUBLIC_KEYS: ReadonlyMap<string, string> = new Map([
  ['NjL69uRJd-EU9ZmPhU_Rpbqz8y9tiyO5ZJnkaf_1_gY', 'root'],
  ['XmEHPL9srvWeGt_XSw5WB4-CfJhuK5jBSREr3MQvAbg', 'root-not-pinned'],
  ['j_a56VyeIeEDwyhBWpMORIXwWF7hW0vs4JRFv6639Wk', 'bundle'],
  ['zcwfCvUjqZErHx_Lk4LWxJf8LPo0OTm3RjnVxGcu8YQ', 'issuer'],
  ['-BiUjb_iegsRFis04CYaudkv8NLNHmj2dSnjI5CGr7c', 'issuer-rotated-out'],
  ['wWnsf6js2r8M5noToQKRElAcRQ-Z5l0d76DFEVIXFYQ', 'issuer-rogue'],
  ['zxKJbp7WLqD_MRrLQUpvt7SrnpZdH6B1o24WczADIPI', 'terminal'],
  ['yGS6Or0-VakwDxqr3Sqtnf1VSdW886VqjrrhtiUUcXw', 'device alice'],
  ['MvQiG9eW7_Zyi61-QtFIxmgZZSwa2su_lVwj44qiJhw', 'device demo'],
]);

/** The fixture's name when `publicKey` (base64url) is a TEST-ONLY fixture key. */
export function testOnlyKeyName(publicKey: string): string | undefined {
  return TEST_ONLY_PUBLIC_KEYS.get(publicKey);
}
