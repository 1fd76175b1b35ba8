// Where ../shared is (the golden cases, the seed's expected output, golden-train): beside this
// checkout, or, for a clone made elsewhere (`d=$(mktemp -d) && git clone . $d`), beside the
// checkout it was cloned from; ASGRAD_SHARED overrides both.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function originShared(): string | null {
  try {
    const url = execFileSync('git', ['-C', ROOT, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim();
    const path = url.startsWith('file://') ? fileURLToPath(url) : url;
    return isAbsolute(path) ? join(path, '..', 'shared') : null;
  } catch {
    return null;
  }
}

function locate(): string {
  const env = process.env.ASGRAD_SHARED;
  if (env) return resolve(env);
  const beside = resolve(ROOT, '..', 'shared');
  if (existsSync(beside)) return beside;
  const origin = originShared();
  if (origin && existsSync(origin)) return origin;
  return beside; // reported as missing by the test that reads it
}

/** The shared folder's absolute path. */
export const SHARED = locate();
/** A path inside the shared folder. */
export const shared = (...parts: string[]): string => join(SHARED, ...parts);
