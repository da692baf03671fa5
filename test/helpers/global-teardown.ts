import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SIMULATED } from '../../src/simulators/defaults';
import { TEST_SECRETS } from './secrets';

/**
 * After the whole suite: no log line any test gateway wrote may contain a configured secret
 * (simulated passwords, AK/SK, Comestri token, the caller tokens and gateway keys tests use).
 */
export default async function globalTeardown(): Promise<void> {
  const dir = path.join(__dirname, '..', '..', 'test-output', 'logs');
  if (!existsSync(dir)) return;
  const secrets = [SIMULATED.iam.password, SIMULATED.aksk.sk, SIMULATED.bandwidth.password, SIMULATED.comestri.token, ...TEST_SECRETS];
  const leaks: string[] = [];
  let lines = 0;
  for (const file of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    lines += text.split('\n').length;
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`${file} contains a secret starting ${secret.slice(0, 4)}…`);
    // IAM tokens the simulator issues all start with MIIsim.
    if (/MIIsim[A-Za-z0-9_-]{8}/.test(text)) leaks.push(`${file} contains an IAM token`);
  }
  if (leaks.length) throw new Error(`Secrets found in test logs:\n${leaks.join('\n')}`);
  process.stdout.write(`\nlog capture: ${lines} log lines from the whole suite scanned, no secret found\n`);
}
