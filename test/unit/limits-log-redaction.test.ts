import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger';
import { CALLBACK_PASSWORD, CALLER_TOKEN_ALICE, GATEWAY_KEY } from '../helpers/secrets';

/** Every line a logger built by createLogger writes, parsed. */
function captured() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('log redaction: secrets never reach a log line, wherever a careless call puts them', () => {
  it.each([
    ['a gateway key in an Authorization header', { headers: { authorization: `Bearer ${GATEWAY_KEY}` } }],
    ['a caller token in X-Auth-Token', { headers: { 'x-auth-token': CALLER_TOKEN_ALICE } }],
    ['a request object with headers', { req: { headers: { authorization: `Bearer ${GATEWAY_KEY}` } } }],
    ['a callback password in variables', { variables: { input: { password: CALLBACK_PASSWORD } } }],
    [
      'a password field anywhere one or two levels down',
      { repository: { password: CALLBACK_PASSWORD }, account: { deploy: { password: CALLBACK_PASSWORD } } },
    ],
    ['Maven deploy passwords in a list of repositories', { mavenRepositories: [{ username: 'deployer', password: CALLBACK_PASSWORD }] }],
    ['a token', { token: CALLER_TOKEN_ALICE, iam: { token: CALLER_TOKEN_ALICE } }],
  ])('%s', (_label, fields) => {
    const { lines, logger } = captured();
    logger.info(fields, 'something happened');
    expect(lines).toHaveLength(1);
    for (const secret of [GATEWAY_KEY, CALLER_TOKEN_ALICE, CALLBACK_PASSWORD]) expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('[redacted]');
  });
});
