// What the three AArch64 scripts share (test-neon-kernels, test-arm64-core, test-arm64-node):
// checking that the cross tools are installed, and the include folder that gives the cross
// compiler xsimd without this machine's own C library headers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Whether `command` is on PATH. */
export function found(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Exits with the apt-get line to run when something in `needs` is missing: pairs of [a command
 * on PATH or an absolute path, the Debian package that provides it]. `who` names the script.
 */
export function requireTools(who, needs) {
  const missing = needs.filter(([what]) => (what.startsWith('/') ? !existsSync(what) : !found(what)));
  if (missing.length === 0) return;
  console.error(`${who}: missing ${missing.map(([w]) => w).join(', ')}; ` +
    `install with: apt-get install ${missing.map(([, pkg]) => pkg).join(' ')}`);
  process.exit(1);
}

/**
 * A fresh `<out>/include` holding only a link to /usr/include/xsimd. xsimd is header-only and
 * target-neutral, but /usr/include also holds this machine's own C library headers, which the
 * cross compiler must not see.
 */
export function xsimdOnlyInclude(out) {
  const include = join(out, 'include');
  rmSync(include, { recursive: true, force: true });
  mkdirSync(include, { recursive: true });
  symlinkSync('/usr/include/xsimd', join(include, 'xsimd'));
  return include;
}
