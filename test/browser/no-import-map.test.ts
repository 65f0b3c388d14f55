// quiverdb/browser on a page without a bundler and without an import map: the entry loads (no
// bare import is evaluated at load time), LocalIndex and LocalDocumentIndex with the page's own
// tokenizer work, and only the default tokenizer (gpt-tokenizer, imported on first use) fails,
// with a typed error that says what to do.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { assertBuilt, call, launchBrowser, openTestPage, recordConsole, serveStatic, repoRoot } from './harness.js';

let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
const logs: string[] = [];

beforeAll(async () => {
  assertBuilt();
  server = await serveStatic(repoRoot, 'test/browser/fixtures/no-import-map.html');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('quiverdb/browser without an import map', () => {
  test('loads; vectors and documents work; the default tokenizer says what to do', async () => {
    const page = await browser!.context.newPage();
    recordConsole(page, logs);
    try {
      await openTestPage(page, server!.url);
      expect(await call(page, 'vectors', 'plain')).toEqual(['a', 'b']);
      expect(await call(page, 'documentsWithOwnTokenizer', 'docs')).toEqual({
        uri: 'rockets.txt',
        section: 'Rockets need thrust. Engines burn fuel to lift them off the pad.',
      });
      const sync = await call<{ ok: boolean; code?: string; message?: string }>(page, 'syncTokenizerBeforeLoad');
      expect(sync).toMatchObject({ ok: false, code: 'INVALID_STATE', message: expect.stringContaining('GPT3Tokenizer.load()') });
      const lazy = await call<{ ok: boolean; code?: string; message?: string }>(page, 'defaultTokenizer', 'default');
      expect(lazy).toMatchObject({ ok: false, code: 'INVALID_STATE', message: expect.stringContaining('import map') });
    } catch (err) {
      if (logs.length > 0) console.error(`browser console:\n${logs.join('\n')}`);
      throw err;
    } finally {
      await page.close();
    }
  }, 120_000);
});
