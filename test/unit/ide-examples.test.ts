import { parse, validate } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { loadTypeDefs } from '../../src/gateway';
import { IDE_EXAMPLES } from '../../src/ide/examples';
import { renderIdePage } from '../../src/ide/page';

const schema = makeExecutableSchema({ typeDefs: loadTypeDefs() });

describe('the IDE examples', () => {
  it('offer an operation for every domain', () => {
    expect(new Set(IDE_EXAMPLES.map((e) => e.domain))).toEqual(
      new Set(['gateway', 'pipeline', 'deployment', 'artifact', 'recording', 'job']),
    );
  });

  it.each(IDE_EXAMPLES.map((e) => [e.title, e] as const))('%s is valid against schema/', (_title, example) => {
    expect(validate(schema, parse(example.query)).map((e) => e.message)).toEqual([]);
    if (example.variables) expect(() => JSON.parse(example.variables ?? '') as unknown).not.toThrow();
  });

  it('are embedded in the page as JSON that no text can break out of', () => {
    const html = renderIdePage({ authRequired: true });
    const json = /<script id="ide-config" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(json).not.toContain('<');
    const config = JSON.parse(json) as { authRequired: boolean; examples: unknown[] };
    expect(config.authRequired).toBe(true);
    expect(config.examples).toHaveLength(IDE_EXAMPLES.length);
  });

  it('load nothing from another origin', () => {
    const html = renderIdePage({ authRequired: false });
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain("script-src 'self'");
  });
});
