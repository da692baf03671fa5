import { createHash, createHmac } from 'node:crypto';
import { signRequest, sdkDate } from '../../src/auth/aksk-signer';

describe('AK/SK SDK-HMAC-SHA256 signing', () => {
  const credentials = { ak: 'HPUAEXAMPLEAK12345678', sk: 'example-secret-key' };
  const now = new Date('2026-11-23T08:15:30.123Z');

  it('formats X-Sdk-Date as YYYYMMDDTHHMMSSZ', () => {
    expect(sdkDate(now)).toBe('20261123T081530Z');
  });

  it('matches a signature computed independently from the documented algorithm', () => {
    const body = '["d19799d619424b2bb2625ec2d93ea087"]';
    const url = new URL('https://pipeline.example.com/v5/54f90b75fc1447b1b65e8d3a9f77923d/api/pipelines/status?b=2&a=1');
    const signed = signRequest(credentials, { method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, now);

    // Written out by hand from the spec, not with the signer's helpers.
    const canonical = [
      'POST',
      '/v5/54f90b75fc1447b1b65e8d3a9f77923d/api/pipelines/status/',
      'a=1&b=2',
      'content-type:application/json\nhost:pipeline.example.com\nx-sdk-date:20261123T081530Z\n',
      'content-type;host;x-sdk-date',
      createHash('sha256').update(body).digest('hex'),
    ].join('\n');
    const stringToSign = 'SDK-HMAC-SHA256\n20261123T081530Z\n' + createHash('sha256').update(canonical).digest('hex');
    const expected = createHmac('sha256', credentials.sk).update(stringToSign).digest('hex');

    expect(signed['X-Sdk-Date']).toBe('20261123T081530Z');
    expect(signed.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK12345678, SignedHeaders=content-type;host;x-sdk-date, Signature=${expected}`,
    );
  });

  it('signs a GET with no body as the hash of the empty string', () => {
    const url = new URL('https://rts.example.com/v1/p/software_deployments');
    const signed = signRequest(credentials, { method: 'GET', url, headers: {}, body: '' }, now);
    const canonical = [
      'GET',
      '/v1/p/software_deployments/',
      '',
      'host:rts.example.com\nx-sdk-date:20261123T081530Z\n',
      'host;x-sdk-date',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ].join('\n');
    const expected = createHmac('sha256', credentials.sk)
      .update('SDK-HMAC-SHA256\n20261123T081530Z\n' + createHash('sha256').update(canonical).digest('hex'))
      .digest('hex');
    expect(signed.Authorization).toContain(`Signature=${expected}`);
  });
});
