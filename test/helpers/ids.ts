import { createHash } from 'node:crypto';

/** A well-formed 32-character pipeline/project id derived from a label (stable across runs). */
export function id32(label: string): string {
  return createHash('md5').update(label).digest('hex');
}

/** `n` distinct pipeline ids that have runs in the simulator (none ends in 0000). */
export function pipelineIds(n: number, label = 'p'): string[] {
  return Array.from({ length: n }, (_, i) => id32(`${label}-${i}`)).map((id) => (id.endsWith('0000') ? id.slice(0, 28) + '1111' : id));
}

/** Ids sent in each status call the pipeline simulator received. */
export function statusCallBodies(calls: Array<{ path: string; body: string }>): Array<{ project: string; ids: string[] }> {
  return calls
    .filter((c) => c.path.endsWith('/api/pipelines/status'))
    .map((c) => ({ project: c.path.split('/')[2] ?? '', ids: JSON.parse(c.body) as string[] }));
}
