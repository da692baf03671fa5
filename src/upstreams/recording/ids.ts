/**
 * Shapes of Bandwidth identifiers the gateway can check before calling: account ids are digits
 * (`9900000`), call and recording ids are tokens such as
 * `c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85`, phone-number filters are E.164.
 */
const ACCOUNT_ID = /^\d{1,20}$/;
const CALL_OR_RECORDING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const E164 = /^\+[1-9]\d{1,14}$/;

export type IdKind = 'accountId' | 'callId' | 'recordingId';

/** Why `value` cannot be a Bandwidth id of `kind`, or null when it can. */
export function idProblem(kind: IdKind, value: string): string | null {
  const ok = kind === 'accountId' ? ACCOUNT_ID.test(value) : CALL_OR_RECORDING_ID.test(value);
  if (ok) return null;
  const shape =
    kind === 'accountId' ? 'digits, e.g. 9900000' : 'letters, digits, dot, dash or underscore (at most 128), e.g. c-15ac29a2-1331029c-…';
  return `${kind} must be ${shape}, got ${JSON.stringify(value.slice(0, 64))}`;
}

/**
 * A phone number filter in E.164 (`+19195551234`). A value already percent-encoded once
 * (`%2B19195551234`, as the vendor's examples show it) is decoded, so it still travels encoded
 * exactly once. Answers the number, or null when it is not one.
 */
export function normaliseE164(value: string): string | null {
  const decoded = /^%2b/i.test(value) ? '+' + value.slice(3) : value;
  return E164.test(decoded) ? decoded : null;
}
