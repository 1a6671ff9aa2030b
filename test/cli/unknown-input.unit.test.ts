import { describe, expect, it } from 'vitest';
import { closest } from '../../src/closest.ts';
import { unknownCommandError, unknownFlagsError } from '../../src/cli/unknown-input.ts';

const tree = {
  bin: 'mcpx',
  commands: ['dev', 'init', 'list', 'logs', 'new prompt', 'new resource', 'new server', 'new tool'],
  topics: ['new'],
};

describe('closest', () => {
  it('counts a swap of two neighbours as one edit', () => {
    // Plain Levenshtein puts "lsit" at 2 from both "list" and "init".
    expect(closest('lsit', ['init', 'list'])).toBe('list');
  });

  it('returns nothing when every candidate is 3 or more edits away', () => {
    expect(closest('frobnicate', tree.commands)).toBeUndefined();
    expect(closest('abc', ['xyz'])).toBeUndefined();
  });

  it('ignores case', () => {
    expect(closest('LIST', ['list'])).toBe('list');
  });
});

describe('unknownCommandError', () => {
  it('suggests the nearest command', () => {
    const error = unknownCommandError(['lsit'], tree);
    expect(error.message).toBe('"mcpx lsit" is not a command.');
    expect(error.hint).toBe('did you mean `mcpx list`? `mcpx --help` lists every command');
    expect(error.exitCode).toBe(2);
  });

  it('guesses from the leading words, ignoring the arguments after them', () => {
    const error = unknownCommandError(['new', 'servr', 'weather'], tree);
    expect(error.message).toBe('"mcpx new servr" is not a command.');
    expect(error.hint).toContain('did you mean `mcpx new server`?');
  });

  it("lists a topic's commands for a subcommand nothing is close to", () => {
    const error = unknownCommandError(['new', 'frob'], tree);
    expect(error.message).toBe('"mcpx new frob" is not a command.');
    expect(error.hint).toBe(
      '`mcpx new` has: prompt, resource, server, tool; `mcpx new --help` shows them',
    );
  });

  it('says a command takes no arguments when oclif read them as more of its name', () => {
    const error = unknownCommandError(['list', 'foo', 'bar'], tree);
    expect(error.message).toBe('`mcpx list` takes no arguments, and got "foo bar".');
    expect(error.hint).toBe('`mcpx list --help` shows its usage');
  });

  it('treats a leading flag as a flag, not a command to guess', () => {
    const error = unknownCommandError(['-x'], tree);
    expect(error.message).toBe('mcpx has no flag -x of its own; flags go after a command.');
    expect(error.hint).toBe('`mcpx --help` lists every command');
    expect(unknownCommandError(['--verison'], tree).hint).toContain(
      'did you mean `mcpx --version`?',
    );
  });

  it('points at --help when nothing is close', () => {
    const error = unknownCommandError(['frobnicate', 'x'], tree);
    expect(error.message).toBe('"mcpx frobnicate" is not a command.');
    expect(error.hint).toBe('`mcpx --help` lists every command');
  });
});

describe('unknownFlagsError', () => {
  const known = ['--dir', '--follow', '--json', '--watch', '--no-watch'];

  it('suggests the nearest flag', () => {
    const error = unknownFlagsError(['--follw'], known, 'mcpx logs');
    expect(error.message).toBe('`mcpx logs` has no flag --follw.');
    expect(error.hint).toBe('did you mean --follow? `mcpx logs --help` lists its flags');
    expect(error.exitCode).toBe(2);
  });

  it('names which typo each guess is for when there are several', () => {
    const error = unknownFlagsError(['--no-wach', '--bogus'], known, 'mcpx dev');
    expect(error.message).toBe('`mcpx dev` has no flags --no-wach, --bogus.');
    expect(error.hint).toBe(
      'did you mean --no-watch (for --no-wach)? `mcpx dev --help` lists its flags',
    );
  });

  it('only points at --help when no flag is close', () => {
    expect(unknownFlagsError(['--bogus'], known, 'mcpx dev').hint).toBe(
      '`mcpx dev --help` lists its flags',
    );
  });
});
