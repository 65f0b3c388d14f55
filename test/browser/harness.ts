// Runs test pages in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; never a downloaded browser). A node:http server on 127.0.0.1 serves the
// repository root, so pages import the built package from /dist/esm/browser.js exactly as a
// browser would load it from a static host. 127.0.0.1 is a secure context: Web Locks and
// IndexedDB are available as on an https:// site.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type BrowserContext, type Page, chromium } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const CHROMIUM = process.env.QUIVER_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves `root` on 127.0.0.1 at a free port; `/` is `index` (a path under root). */
export async function serveStatic(
  root: string,
  index: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = normalize(join(root, pathname === '/' ? index : pathname));
    if (!file.startsWith(normalize(root + sep))) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A headless Chromium with a fresh profile (its own IndexedDB), and how to dispose of both. */
export async function launchBrowser(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set QUIVER_CHROMIUM)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'quiver-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** Fails the test run early, with what to do, when the package has not been built. */
export function assertBuilt(): void {
  for (const file of [
    'dist/esm/browser.js',
    'dist/esm/browser/worker.js',
    'dist/wasm/quiver.wasm',
  ]) {
    if (!existsSync(join(repoRoot, file))) {
      throw new Error(`${file} is missing: run \`npm run build:wasm && npm run build:ts\` first`);
    }
  }
}

/**
 * Page errors and console errors, collected so that a test can show them when it fails (a
 * broken worker usually says why only there).
 */
export function recordConsole(page: Page, into: string[]): void {
  page.on('pageerror', (err) => into.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      into.push(`${msg.type()}: ${msg.text()}`);
  });
}

/**
 * Calls `window.quiverTest[name](...args)` in the page (test/browser/fixtures/page.js) and returns
 * its JSON-able result. The expression is sent as text so that nothing from the test's own
 * compilation (Vite's SSR transform of this file) leaks into the page.
 */
export async function call<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  const expression = `window.quiverTest[${JSON.stringify(name)}](...${JSON.stringify(args)})`;
  return (await page.evaluate(expression)) as T;
}

/** Opens (or reloads into) the test page and waits until its script has loaded the package. */
export async function openTestPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitReady(page);
}

export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction('window.quiverTest !== undefined', undefined, { timeout: 20_000 });
}
