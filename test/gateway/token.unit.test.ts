// The gateway token file, with real files in a temporary workspace.
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { gatewayToken, gatewayTokenFile, readGatewayToken } from '../../src/gateway/token.js';

let root: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mcpx-token-'));
  file = gatewayTokenFile(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

/** The McpxError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<McpxError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpxError);
  return error as McpxError;
}

describe('gatewayToken', () => {
  it('creates .mcpx/gateway-token on first use: 32 random bytes as base64url, one line, mode 0600', async () => {
    const { token, warning } = await gatewayToken(root);
    expect(warning).toBeUndefined();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(file).toBe(join(root, '.mcpx', 'gateway-token'));
    expect(await readFile(file, 'utf8')).toBe(`${token}\n`);
    expect(await mode(file)).toBe(0o600);
    // Nothing else is left in .mcpx (no temporary file).
    expect(await readdir(join(root, '.mcpx'))).toEqual(['gateway-token']);
  });

  it('keeps the token across runs, and two workspaces get different ones', async () => {
    const first = await gatewayToken(root);
    expect(await gatewayToken(root)).toEqual({ token: first.token });
    const other = await mkdtemp(join(tmpdir(), 'mcpx-token-'));
    try {
      expect((await gatewayToken(other)).token).not.toBe(first.token);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('keeps a token written by hand, with or without its newline', async () => {
    await mkdir(join(root, '.mcpx'));
    const mine = 'x'.repeat(50);
    await writeFile(file, mine, { mode: 0o600 });
    expect(await gatewayToken(root)).toEqual({ token: mine });
    expect(await readFile(file, 'utf8')).toBe(mine);
  });

  it('tightens a file that group or others can read to 0600, and says so', async () => {
    const { token } = await gatewayToken(root);
    for (const loose of [0o644, 0o640, 0o604, 0o666]) {
      await chmod(file, loose);
      const found = await gatewayToken(root);
      expect(found.token).toBe(token);
      expect(found.warning).toBe(
        `${file} could be read by other users (mode 0${loose.toString(8)}); mcpx made it 0600. If anyone else may have read it, delete it and restart mcpx dev to get a new token.`,
      );
      expect(await mode(file)).toBe(0o600);
    }
    // Stricter than 0600 is left alone, without a warning.
    await chmod(file, 0o400);
    expect(await gatewayToken(root)).toEqual({ token });
    expect(await mode(file)).toBe(0o400);
  });

  it('refuses an empty or malformed file, naming it and how to get a new token (exit 2)', async () => {
    await mkdir(join(root, '.mcpx'));
    const cases: [string, string][] = [
      ['', 'it is empty'],
      ['\n', 'it is empty'],
      ['short\n', 'it does not hold one line of at least 43 base64url characters'],
      [`${'a'.repeat(43)}\n${'b'.repeat(43)}\n`, 'it does not hold one line'],
      [`${'a'.repeat(43)} \n`, 'it does not hold one line'],
      [`Bearer ${'a'.repeat(43)}\n`, 'it does not hold one line'],
    ];
    for (const [text, why] of cases) {
      await writeFile(file, text, { mode: 0o600 });
      for (const read of [gatewayToken, readGatewayToken]) {
        const error = await failure(read(root));
        expect(error.exitCode).toBe(2);
        expect(error.message).toContain(`The gateway token file ${file} is unusable: ${why}`);
        expect(error.hint).toContain(`delete it to get a new token (\`rm ${file}\``);
      }
      // Nothing replaced it: the user decides.
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });

  it('refuses a symbolic link or a folder in its place, and touches neither', async () => {
    await mkdir(join(root, '.mcpx'));
    const elsewhere = join(root, 'elsewhere');
    await writeFile(elsewhere, `${'a'.repeat(43)}\n`, { mode: 0o644 });
    await symlink(elsewhere, file);
    expect((await failure(gatewayToken(root))).message).toContain('it is a symbolic link');
    expect(await mode(elsewhere)).toBe(0o644);
    await rm(file);
    await mkdir(file);
    expect((await failure(gatewayToken(root))).message).toContain('it is not a regular file');
  });

  it('gives every concurrent caller the same token', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => gatewayToken(root)));
    const token = (await readFile(file, 'utf8')).trim();
    expect(results).toEqual(Array.from({ length: 8 }, () => ({ token })));
    expect(await readdir(join(root, '.mcpx'))).toEqual(['gateway-token']);
  });
});

describe('readGatewayToken', () => {
  it('is undefined before the first mcpx dev, and creates nothing', async () => {
    expect(await readGatewayToken(root)).toBeUndefined();
    expect(await readdir(root)).toEqual([]);
  });

  it('reads the token without changing the file', async () => {
    const { token } = await gatewayToken(root);
    await chmod(file, 0o640);
    expect(await readGatewayToken(root)).toBe(token);
    expect(await mode(file)).toBe(0o640);
  });
});
