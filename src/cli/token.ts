/**
 * `ofelia-operator token create|list|revoke`: manage the embedded API server's bearer tokens in
 * its data directory. A running server sees the changes within a second (it re-checks the token
 * file), so tokens can be created and revoked without a restart. Secrets are printed once, by
 * `create`, on stdout alone (so `TOKEN=$(ofelia-operator token create ...)` works); nothing else
 * ever shows them.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  formatDurationSeconds,
  parseDurationSeconds,
  type TokenInfo,
  TokenStore,
} from '../apiserver/index.ts';

export const usage = `Usage:
  ofelia-operator token create --data-dir DIR --name NAME [--ttl DURATION]
  ofelia-operator token list   --data-dir DIR
  ofelia-operator token revoke --data-dir DIR ID|NAME

Manage bearer tokens of the embedded API server (stored hashed in DIR/tokens.json).

  create   Create a token and print it once on stdout. --ttl: e.g. 1h, 24h, 30d (default ${formatDurationSeconds(DEFAULT_TOKEN_TTL_SECONDS)});
           0 = never expires.
  list     Print id, name, creation and expiry of every live token (never the secrets).
  revoke   Revoke the token with this id, or every token with this name.

A running server picks up changes within about a second.
`;

const fail = (message: string, code = 2): number => {
  process.stderr.write(`ofelia-operator token: ${message}\n`);
  return code;
};

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    return fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (!action) return fail('missing action: create, list or revoke (see --help)');
  if (!['create', 'list', 'revoke'].includes(action))
    return fail(`unknown action "${action}" (create, list, revoke)`);
  const dataDir = values['data-dir'];
  if (!dataDir) return fail('--data-dir is required');
  if (!existsSync(dataDir)) {
    return fail(
      `data directory ${dataDir} does not exist (check --data-dir, or start the apiserver first)`,
      1,
    );
  }

  let store: TokenStore;
  try {
    store = await TokenStore.open({ dir: dataDir });
  } catch (e) {
    return fail((e as Error).message, 1);
  }
  try {
    switch (action) {
      case 'create':
        return await create(store, values.name, values.ttl, rest);
      case 'list':
        if (rest.length > 0) return fail(`unexpected argument "${rest[0]}"`);
        printList(store.list());
        return 0;
      default:
        return await revoke(store, rest);
    }
  } catch (e) {
    return fail((e as Error).message, 1);
  } finally {
    store.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      name: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function create(
  store: TokenStore,
  name: string | undefined,
  ttlText: string | undefined,
  rest: string[],
): Promise<number> {
  if (rest.length > 0) return fail(`unexpected argument "${rest[0]}"`);
  if (!name) return fail('--name is required for create');
  let ttlSeconds: number | undefined;
  if (ttlText !== undefined) {
    const parsed = parseDurationSeconds(ttlText);
    if (parsed instanceof Error) return fail(`--ttl: ${parsed.message}`);
    ttlSeconds = parsed;
  }
  const created = await store.create({ name, ttlSeconds });
  process.stdout.write(`${created.token}\n`);
  process.stderr.write(
    `created token ${created.id} (name ${created.name}, expires ${created.expiresAt ?? 'never'}); it is shown only once\n`,
  );
  return 0;
}

async function revoke(store: TokenStore, rest: string[]): Promise<number> {
  if (rest.length !== 1) return fail('revoke takes exactly one ID or NAME');
  const target = rest[0]!;
  const revoked = await store.revoke(target);
  if (revoked.length === 0) return fail(`no token with id or name "${target}"`, 1);
  for (const t of revoked) process.stdout.write(`revoked ${t.id} (${t.name})\n`);
  return 0;
}

function printList(tokens: TokenInfo[]): void {
  const rows = [
    ['ID', 'NAME', 'CREATED', 'EXPIRES'],
    ...tokens.map((t) => [t.id, t.name, t.createdAt, t.expiresAt ?? 'never']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('   ')
        .trimEnd()}\n`,
    );
}
