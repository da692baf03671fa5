import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/**
 * Every log line any test gateway writes goes to test-output/logs/ (one file per Jest worker);
 * the global teardown scans them all for configured secrets, so the whole suite is checked.
 */
export const LOG_DIR = path.join(__dirname, '..', '..', 'test-output', 'logs');

let stream: WriteStream | null = null;

export const logCapture = {
  push(line: string): void {
    if (!stream) {
      mkdirSync(LOG_DIR, { recursive: true });
      stream = createWriteStream(path.join(LOG_DIR, `worker-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}.log`), { flags: 'a' });
    }
    stream.write(line.endsWith('\n') ? line : line + '\n');
  },
};
