// Whether the Ninja build tool is on PATH (faster incremental builds); the scripts fall back to
// CMake's default generator without it.
import { execFileSync } from 'node:child_process';

export function hasNinja() {
  try {
    execFileSync('ninja', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
