import { artifactErrorFormat } from '../../src/upstreams/artifact/errors';
import { bandwidthErrorFormat } from '../../src/upstreams/recording/errors';
import { comestriErrorFormat } from '../../src/upstreams/job/errors';
import { huaweiErrorFormat } from '../../src/upstreams/huawei-error-body';
import { pipelineErrorFormat } from '../../src/upstreams/pipeline/errors';
import { rtsErrorFormat } from '../../src/upstreams/deployment/errors';

describe('each upstream reads its own error bodies', () => {
  it("Huawei upstreams (IAM, Pipeline, RTS, Artifact): {error_code, error_msg} and the API gateway's {error: {code, message}}", () => {
    for (const format of [huaweiErrorFormat, pipelineErrorFormat, rtsErrorFormat, artifactErrorFormat]) {
      expect(format.read({ error_code: 'DEVPIPE.00011104', error_msg: 'bad id' })).toEqual({
        upstreamCode: 'DEVPIPE.00011104',
        message: 'bad id',
      });
      expect(format.read({ error: { code: 'APIGW.0301', message: 'Incorrect IAM authentication information' } })).toEqual({
        upstreamCode: 'APIGW.0301',
        message: 'Incorrect IAM authentication information',
      });
    }
    expect(pipelineErrorFormat.readEmbedded).toBeUndefined();
    expect(rtsErrorFormat.readEmbedded).toBeUndefined();
  });

  it('Bandwidth: {type, description} — the type is the code', () => {
    expect(bandwidthErrorFormat.read({ type: 'validation', description: 'Invalid state', id: 'x' })).toEqual({
      upstreamCode: 'validation',
      message: 'Invalid state',
    });
  });

  it('Comestri: {error} or {errors}, no code', () => {
    expect(comestriErrorFormat.read({ error: 'per_page is invalid' })).toEqual({ message: 'per_page is invalid' });
    expect(comestriErrorFormat.read({ errors: ['page is invalid', 'id is invalid'] })).toEqual({
      message: 'page is invalid; id is invalid',
    });
  });

  it("never relays a body that is not JSON (a proxy's HTML page)", () => {
    for (const format of [huaweiErrorFormat, artifactErrorFormat, bandwidthErrorFormat, comestriErrorFormat]) {
      expect(format.read('<html><body>502 Bad Gateway</body></html>')).toEqual({});
      expect(format.read(undefined)).toEqual({});
    }
  });
});
