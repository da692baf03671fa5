import { createHash } from 'node:crypto';
import { MediaLinkSigner, mediaPath } from '../../src/http/media-links';

const KEY_A = 'unit-key-aaaaaaaaaaaaaaaa';
const KEY_B = 'unit-key-bbbbbbbbbbbbbbbb';
const idOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

describe('mediaPath', () => {
  it('encodes each segment exactly once', () => {
    expect(mediaPath({ accountId: '9900000', callId: 'c-1', recordingId: 'r 1/2' })).toBe('/media/recordings/9900000/c-1/r%201%2F2');
  });
});

describe('MediaLinkSigner', () => {
  let now = Date.UTC(2024, 0, 1);
  const signer = new MediaLinkSigner([KEY_A, KEY_B], { ttlSeconds: 900, now: () => now });
  const path = '/media/recordings/9900000/c-1/r-1';
  const query = (link: string) => new URL(link, 'http://gw').searchParams;

  it('signs a path for a key and verifies it until it expires', () => {
    now = Date.UTC(2024, 0, 1);
    const link = signer.sign(path, idOf(KEY_A));
    expect(link.startsWith(path + '?exp=')).toBe(true);
    expect(query(link).get('exp')).toBe(String(now / 1000 + 900));
    expect(signer.verify(path, query(link))).toEqual({ ok: true, keyId: idOf(KEY_A) });
    now += 900_000;
    expect(signer.verify(path, query(link)).ok).toBe(true);
    now += 1000;
    expect(signer.verify(path, query(link))).toEqual({ ok: false, reason: 'The media link has expired' });
  });

  it('refuses another path, another expiry, another key id, and a missing part', () => {
    now = Date.UTC(2024, 0, 1);
    const q = query(signer.sign(path, idOf(KEY_A)));
    expect(signer.verify('/media/recordings/9900000/c-1/r-2', q).ok).toBe(false);
    const later = new URLSearchParams(q);
    later.set('exp', String(Number(q.get('exp')) + 1));
    expect(signer.verify(path, later).ok).toBe(false);
    const otherKid = new URLSearchParams(q);
    otherKid.set('kid', idOf(KEY_B));
    expect(signer.verify(path, otherKid).ok).toBe(false);
    const noSig = new URLSearchParams(q);
    noSig.delete('sig');
    expect(signer.verify(path, noSig)).toEqual({ ok: false, reason: 'A gateway key or a signed media link is required' });
  });

  it('a link of a key the gateway no longer has is refused (removing a key revokes its links)', () => {
    now = Date.UTC(2024, 0, 1);
    const link = signer.sign(path, idOf(KEY_B));
    const afterRotation = new MediaLinkSigner([KEY_A], { now: () => now });
    expect(afterRotation.verify(path, query(link)).ok).toBe(false);
  });

  it('signing for a key id it does not know is a TypeError stating the contract', () => {
    expect(() => signer.sign(path, 'nope')).toThrow(/keyId must be the id of a configured gateway key, got "nope"/);
  });

  it('is disabled without keys', () => {
    expect(new MediaLinkSigner([]).enabled).toBe(false);
  });
});
