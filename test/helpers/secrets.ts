/**
 * Secrets tests hand to the gateway (caller tokens, gateway keys, passwords in variables).
 * Every one of them must be absent from every log line of the suite (global-teardown.ts).
 */
export const CALLER_TOKEN_ALICE = 'MIIcaller-alice-0f4c2d9e8b7a6f5e4d3c2b1a';
export const CALLER_TOKEN_BOB = 'MIIcaller-bob-9a8b7c6d5e4f3a2b1c0d9e8f';
export const GATEWAY_KEY = 'gw-key-test-5f1d3c7a9b2e4d6f8a0c';
export const GATEWAY_KEY_2 = 'gw-key-test-2-8e6c4a2f0d9b7e5c3a1f';

export const CALLER_TOKEN_UNKNOWN = 'MIIcaller-unknown-token-000000000000';

/** Keys and tokens defined inside individual test files, listed here so the log scan checks them too. */
const OTHER_TEST_SECRETS = ['comestri-test-token-other-7c1e9a', 'comestri-test-token-unknown-3f0b2d', 'gw-key-media-test-3-4b7d9f1e3a5c'];

export const TEST_SECRETS: string[] = [
  CALLER_TOKEN_ALICE,
  CALLER_TOKEN_BOB,
  CALLER_TOKEN_UNKNOWN,
  GATEWAY_KEY,
  GATEWAY_KEY_2,
  ...OTHER_TEST_SECRETS,
];

/** A transcription callback password sent in variables (must be redacted like a header). */
export const CALLBACK_PASSWORD = 'cb-pass-7d1e9a4c2b8f6e0d3a5c';
/** TOKEN_ENCRYPTION_KEY of the encryption-at-rest test. */
export const TOKEN_ENCRYPTION_KEY = 'tek-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e';
/** Password of the private Redis that requires AUTH. */
export const REDIS_AUTH_PASSWORD = 'redis-auth-9c4e2a7f1b8d6e3a5f0c';

TEST_SECRETS.push(CALLBACK_PASSWORD, TOKEN_ENCRYPTION_KEY, REDIS_AUTH_PASSWORD);
