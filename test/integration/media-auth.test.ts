import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { GATEWAY_KEY, GATEWAY_KEY_2 } from '../helpers/secrets';
import { SIMULATED } from '../../src/simulators';
import { SEED_CALL_ID, SEED_RECORDING_ID, SIM_ACTIVE_CALL_ID, SIM_ACTIVE_RECORDING_ID } from '../../src/simulators/bandwidth';
import { MediaLinkSigner, mediaPath } from '../../src/http/media-links';
import { createHash } from 'node:crypto';

const ACCOUNT = SIMULATED.bandwidth.accountId;
const GATEWAY_KEY_3 = 'gw-key-media-test-3-4b7d9f1e3a5c';
const keyId = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

describe('/media behind gateway keys', () => {
  let gw: TestGateway;
  const path = mediaPath({ accountId: ACCOUNT, callId: SEED_CALL_ID, recordingId: SEED_RECORDING_ID });
  const q = `query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { mediaUrl } }`;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  async function signedUrl(key = GATEWAY_KEY): Promise<string> {
    const res = await gw.query(q, { c: SEED_CALL_ID, r: SEED_RECORDING_ID }, bearer(key));
    return (res.body.data?.recording as { mediaUrl: string }).mediaUrl;
  }

  beforeAll(async () => {
    gw = await startTestGateway({
      redis: false,
      env: {
        GATEWAY_API_KEYS: `${GATEWAY_KEY},${GATEWAY_KEY_2},${GATEWAY_KEY_3}`,
        // Key 3 may read recordings of another account only.
        GATEWAY_API_KEY_POLICIES: JSON.stringify({ [keyId(GATEWAY_KEY_3)]: { accounts: ['9900001'] } }),
      },
    });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.bandwidth.clearFaults().resetCalls();
  });

  it('refuses a request with no key and no signature: 401, no upstream call', async () => {
    const res = await fetch(gw.url + path);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gateway"');
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    const wrong = await fetch(gw.url + path, { headers: bearer('not-a-key-of-this-gateway') });
    expect(wrong.status).toBe(401);
    expect(gw.sims.bandwidth.callCount()).toBe(0);
  });

  it('streams with Authorization: Bearer <key>', async () => {
    const res = await fetch(gw.url + path, { headers: { ...bearer(GATEWAY_KEY_2), range: 'bytes=0-3' } });
    expect(res.status).toBe(206);
    expect(Buffer.from(await res.arrayBuffer()).toString('ascii')).toBe('RIFF');
  });

  it('Recording.mediaUrl is a root-relative, signed, short-lived link an <audio src> can play without a header', async () => {
    const url = await signedUrl();
    expect(url).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\?exp=\\d+&kid=${keyId(GATEWAY_KEY)}&sig=[A-Za-z0-9_-]{43}$`),
    );
    const exp = Number(new URL(url, 'http://x').searchParams.get('exp'));
    expect(exp * 1000 - Date.now()).toBeGreaterThan(60_000);
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    // No key in the link: the signature is derived from it, never the key itself.
    expect(url).not.toContain(GATEWAY_KEY);

    const res = await fetch(gw.url + url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/vnd.wave');
    await res.arrayBuffer();
  });

  it('each key signs its own links', async () => {
    expect(new URL(await signedUrl(GATEWAY_KEY_2), 'http://x').searchParams.get('kid')).toBe(keyId(GATEWAY_KEY_2));
  });

  it('refuses a tampered signature, a link moved to another recording, and an expired link', async () => {
    const url = new URL(await signedUrl(), gw.url);
    const tampered = new URL(url);
    const sig = tampered.searchParams.get('sig')!;
    tampered.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    expect((await fetch(tampered)).status).toBe(401);

    const moved = new URL(url);
    moved.pathname = mediaPath({ accountId: ACCOUNT, callId: SIM_ACTIVE_CALL_ID, recordingId: SIM_ACTIVE_RECORDING_ID });
    expect((await fetch(moved)).status).toBe(401);

    const later = new URL(url);
    later.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    expect((await fetch(later)).status).toBe(401);

    const minutesAgo = new MediaLinkSigner([GATEWAY_KEY], { now: () => Date.now() - 20 * 60_000 }).sign(path, keyId(GATEWAY_KEY));
    const expired = await fetch(gw.url + minutesAgo);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({
      errors: [{ message: 'The media link has expired', extensions: { code: 'UNAUTHENTICATED' } }],
    });

    const otherGateway = new MediaLinkSigner(['a-key-this-gateway-does-not-have']).sign(path, keyId('a-key-this-gateway-does-not-have'));
    expect((await fetch(gw.url + otherGateway)).status).toBe(401);
    expect(gw.sims.bandwidth.callCount()).toBe(0);
  });

  it("applies the key's policy: an account the key may not use is FORBIDDEN, before any upstream call", async () => {
    const res = await fetch(gw.url + path, { headers: bearer(GATEWAY_KEY_3) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      errors: [{ message: `This gateway key may not use Bandwidth account ${ACCOUNT}`, extensions: { code: 'FORBIDDEN' } }],
    });
    // A link minted for the key (by a gateway with a wider policy) obeys the same policy.
    const link = new MediaLinkSigner([GATEWAY_KEY_3]).sign(path, keyId(GATEWAY_KEY_3));
    expect((await fetch(gw.url + link)).status).toBe(403);
    expect(gw.sims.bandwidth.callCount()).toBe(0);
  });

  it('GraphQL itself still needs the key', async () => {
    const res = await gw.query(q, { c: SEED_CALL_ID, r: SEED_RECORDING_ID });
    expect(res.status).toBe(401);
    expect(gw.sims.bandwidth.callCount()).toBe(0);
  });
});
