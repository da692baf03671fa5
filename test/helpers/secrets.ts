/**
 * Secrets tests hand to the gateway (caller tokens, gateway keys, passwords in variables).
 * Every one of them must be absent from every log line of the suite (global-teardown.ts).
 */
export const CALLER_TOKEN_ALICE = 'MIIcaller-alice-0f4c2d9e8b7a6f5e4d3c2b1a';
export const CALLER_TOKEN_BOB = 'MIIcaller-bob-9a8b7c6d5e4f3a2b1c0d9e8f';
export const GATEWAY_KEY = 'gw-key-test-5f1d3c7a9b2e4d6f8a0c';
export const GATEWAY_KEY_2 = 'gw-key-test-2-8e6c4a2f0d9b7e5c3a1f';

export const CALLER_TOKEN_UNKNOWN = 'MIIcaller-unknown-token-000000000000';

export const TEST_SECRETS: string[] = [CALLER_TOKEN_ALICE, CALLER_TOKEN_BOB, CALLER_TOKEN_UNKNOWN, GATEWAY_KEY, GATEWAY_KEY_2];
