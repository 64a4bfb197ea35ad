/**
 * The dashboard's static files, all shipped in the package — no build step: our own modules from
 * `static/`, and the libraries straight from their installed packages (preact + htm for
 * rendering, uPlot for charts). Browsers load them as ES modules through an import map inlined
 * in index.html, allowed by the Content-Security-Policy through its sha256 (no 'unsafe-inline').
 * Loaded once at start into memory (about 150 KB); served by exact path only, never by a path
 * taken from the request (no traversal possible).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

export interface Assets {
  files: ReadonlyMap<string, Asset>;
  /** The index page (also served for /). */
  index: Asset;
  /** CSP source of the inline import map: `'sha256-...'`. */
  importMapHash: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const IMPORT_MAP = {
  imports: {
    preact: '/vendor/preact.mjs',
    'preact/hooks': '/vendor/preact-hooks.mjs',
    htm: '/vendor/htm.mjs',
    uplot: '/vendor/uplot.mjs',
  },
};

function asset(body: Buffer, name: string): Asset {
  const ext = name.slice(name.lastIndexOf('.'));
  return {
    body,
    contentType: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

export function loadAssets(): Assets {
  const here = dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  const pkgDir = (entry: string, up: number) => {
    let d = dirname(require.resolve(entry));
    for (let i = 0; i < up; i++) d = dirname(d);
    return d;
  };
  const preact = pkgDir('preact', 1);
  const htm = pkgDir('htm', 1);
  const uplot = pkgDir('uplot', 1);
  const vendor: Record<string, string> = {
    '/vendor/preact.mjs': join(preact, 'dist', 'preact.mjs'),
    '/vendor/preact-hooks.mjs': join(preact, 'hooks', 'dist', 'hooks.mjs'),
    '/vendor/htm.mjs': join(htm, 'dist', 'htm.mjs'),
    '/vendor/uplot.mjs': join(uplot, 'dist', 'uPlot.esm.js'),
    '/vendor/uplot.css': join(uplot, 'dist', 'uPlot.min.css'),
  };
  const files = new Map<string, Asset>();
  for (const [path, file] of Object.entries(vendor)) files.set(path, asset(readFileSync(file), file));
  // Beside this module: src/dashboard/static, or dist/dashboard/static (`npm run build` copies it).
  const staticDir = join(here, 'static');
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`dashboard assets missing: ${staticDir}/index.html (was dist/ built by npm run build?)`);
  }
  for (const name of readdirSync(staticDir)) {
    if (name === 'index.html') continue;
    files.set(`/static/${name}`, asset(readFileSync(join(staticDir, name)), name));
  }
  const importMap = JSON.stringify(IMPORT_MAP);
  const importMapHash = `'sha256-${createHash('sha256').update(importMap).digest('base64')}'`;
  const html = readFileSync(join(staticDir, 'index.html'), 'utf8').replace(
    '<!--importmap-->',
    `<script type="importmap">${importMap}</script>`,
  );
  return { files, index: asset(Buffer.from(html), 'index.html'), importMapHash };
}
