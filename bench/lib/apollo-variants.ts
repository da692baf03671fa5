import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Apollo Server as installed and without (some of) the hunks of `patches/@apollo+server+*.patch`,
 * side by side, so one bench run measures what each hunk is worth (the next Apollo upgrade
 * re-runs it to see whether the patch is still needed).
 *
 * A variant is a directory holding a copy of the built gateway (`dist/`, so Node resolves modules
 * from the variant), `schema/`, `package.json`, and a `node_modules/` of symlinks to the real one
 * but for `@apollo/server`: a copy with the chosen hunks of the patch reverse-applied. Everything
 * else resolves (through the symlinks' real paths) to the very modules the real tree loads.
 */
export interface PatchHunk {
  /** The built file, e.g. `dist/cjs/requestPipeline.js`. */
  file: string;
  /** Its hunk header, `@@ -167,15 +167,17 @@ ...`. */
  header: string;
  text: string;
}

export interface ApolloVariant {
  name: string;
  /** The variant's copy of the bench's gateway process (`<root>/dist/bench/gateway-process.js`). */
  gatewayScript: string;
}

/** Every hunk of a patch-package patch, per file, in order. */
export function patchHunks(patchText: string): PatchHunk[] {
  const hunks: PatchHunk[] = [];
  let file = '';
  let current: PatchHunk | null = null;
  for (const line of patchText.split('\n')) {
    const header = /^\+\+\+ b\/node_modules\/@apollo\/server\/(.+)$/.exec(line);
    if (line.startsWith('diff --git') || header) {
      current = null;
      if (header) file = header[1] as string;
      continue;
    }
    if (line.startsWith('@@')) {
      current = { file, header: line, text: '' };
      hunks.push(current);
      continue;
    }
    if (current && /^[ +\-\\]/.test(line)) current.text += line + '\n';
  }
  return hunks;
}

/** A unified diff of `hunks` only, for `patch -p0` run in the package's directory. */
function diffOf(hunks: readonly PatchHunk[]): string {
  let out = '';
  let file = '';
  for (const h of hunks) {
    if (h.file !== file) {
      file = h.file;
      out += `--- ${file}\n+++ ${file}\n`;
    }
    out += `${h.header}\n${h.text}`;
  }
  return out;
}

/**
 * Builds one variant per entry of `revert`: the installed Apollo with those hunks taken out
 * (an empty list: Apollo as installed), then the variant's hunks in `apply` put in (another
 * patch file's). Call {@link ApolloVariants.remove} when done.
 */
export class ApolloVariants {
  private constructor(
    readonly root: string,
    readonly variants: ApolloVariant[],
  ) {}

  static build(
    projectRoot: string,
    revert: Record<string, readonly PatchHunk[]>,
    apply: Record<string, readonly PatchHunk[]> = {},
  ): ApolloVariants {
    const root = mkdtempSync(path.join(os.tmpdir(), 'bench-apollo-'));
    const realModules = path.join(projectRoot, 'node_modules');
    const variants: ApolloVariant[] = [];
    for (const [name, hunks] of Object.entries(revert)) {
      const dir = path.join(root, name.replace(/[^a-z0-9-]+/gi, '_'));
      mkdirSync(path.join(dir, 'node_modules', '@apollo'), { recursive: true });
      for (const entry of readdirSync(realModules)) {
        if (entry !== '@apollo' && entry !== '.bin') symlinkSync(path.join(realModules, entry), path.join(dir, 'node_modules', entry));
      }
      for (const entry of readdirSync(path.join(realModules, '@apollo'))) {
        const target = path.join(dir, 'node_modules', '@apollo', entry);
        if (entry === 'server') cpSync(path.join(realModules, '@apollo', entry), target, { recursive: true, dereference: true });
        else symlinkSync(path.join(realModules, '@apollo', entry), target);
      }
      if (hunks.length) {
        // --forward off, --reverse: fails loudly (non-zero exit) if a hunk does not match.
        execFileSync('patch', ['-R', '-p0', '--no-backup-if-mismatch', '-s'], {
          cwd: path.join(dir, 'node_modules', '@apollo', 'server'),
          input: diffOf(hunks),
        });
      }
      const forward = apply[name];
      if (forward?.length) {
        execFileSync('patch', ['-p0', '--forward', '--no-backup-if-mismatch', '-s'], {
          cwd: path.join(dir, 'node_modules', '@apollo', 'server'),
          input: diffOf(forward),
        });
      }
      cpSync(path.join(projectRoot, 'dist'), path.join(dir, 'dist'), { recursive: true });
      symlinkSync(path.join(projectRoot, 'schema'), path.join(dir, 'schema'));
      cpSync(path.join(projectRoot, 'package.json'), path.join(dir, 'package.json'));
      variants.push({ name, gatewayScript: path.join(dir, 'dist', 'bench', 'gateway-process.js') });
    }
    return new ApolloVariants(root, variants);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The project's Apollo patch file, if there is one. */
export function apolloPatchFile(projectRoot: string): string | undefined {
  const dir = path.join(projectRoot, 'patches');
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).find((f) => f.startsWith('@apollo+server+') && f.endsWith('.patch'));
  return file ? path.join(dir, file) : undefined;
}

export function readHunks(patchFile: string): PatchHunk[] {
  return patchHunks(readFileSync(patchFile, 'utf8'));
}
