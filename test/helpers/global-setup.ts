import { rmSync } from 'node:fs';
import path from 'node:path';

/** Starts every run with an empty log capture (see global-teardown.ts). */
export default async function globalSetup(): Promise<void> {
  rmSync(path.join(__dirname, '..', '..', 'test-output', 'logs'), { recursive: true, force: true });
}
