import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { TerminalSink } from '../../src/ui/terminal-sink.js';
import { event, range } from './helpers.js';

/** A stream that takes a while over every chunk, with a small buffer: a slow reader. */
function slowStream(): { stream: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    highWaterMark: 256,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      setTimeout(callback, 0);
    },
  });
  return { stream, chunks };
}

describe('TerminalSink', () => {
  it('writes whole lines in order and waits for drain when the stream is full', async () => {
    const { stream, chunks } = slowStream();
    const sink = new TerminalSink({ stream, color: false, names: ['weather'] });
    let waited = 0;
    for (const i of range(300)) {
      const written = sink.write(event(i));
      const full = stream.writableNeedDrain;
      await written;
      if (full) {
        waited++;
        expect(stream.writableNeedDrain).toBe(false);
      }
    }
    await sink.close();
    expect(waited).toBeGreaterThan(0);
    // One chunk per line: nothing split, nothing merged into another line.
    expect(chunks).toHaveLength(300);
    expect(chunks.every((c) => c.endsWith('\n') && c.indexOf('\n') === c.length - 1)).toBe(true);
    expect(chunks.map((c) => c.split(' | ')[2])).toEqual(range(300).map((i) => `event ${i}\n`));
  });

  it('loses nothing when the producer does not wait, and flush() waits for the last line', async () => {
    const { stream, chunks } = slowStream();
    const sink = new TerminalSink({ stream, json: true });
    const events = range(500).map((i) => event(i));
    for (const e of events) void sink.write(e);
    expect(chunks.length).toBeLessThan(500);
    await sink.flush();
    // Several lines may share a write; each write ends a line.
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
    const lines = chunks.join('').slice(0, -1).split('\n');
    expect(lines.map((l) => JSON.parse(l) as LogEvent)).toEqual(events);
  });

  it('hands the lines of one tick to the stream in one write, whole and in order', async () => {
    const { stream, chunks } = slowStream();
    const sink = new TerminalSink({ stream, color: false, names: ['weather'] });
    // As a chunk of a server's stderr arrives: many lines at once, nobody waiting on them.
    for (const i of range(200)) void sink.write(event(i));
    await Promise.resolve();
    expect(chunks).toHaveLength(1);
    for (const i of range(200, 200)) void sink.write(event(i));
    await sink.flush();
    expect(chunks).toHaveLength(2);
    for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true);
    const lines = chunks.join('').slice(0, -1).split('\n');
    expect(lines.map((l) => l.split(' | ')[2])).toEqual(range(400).map((i) => `event ${i}`));
  });

  it('gets every line in order and whole to a real process that reads a pipe slowly, from a producer that never waits', async () => {
    // The reader takes a little at a time with pauses, as a terminal that cannot keep up: the
    // pipe fills and the sink's batches wait in the stream, many lines each, some cut by the pipe
    // at any byte (multi-byte characters included), none lost, reordered or split by the sink.
    const reader = [
      'process.stdin.on("data", (chunk) => {',
      '  process.stdout.write(chunk);',
      '  process.stdin.pause();',
      '  setTimeout(() => process.stdin.resume(), 2);',
      '});',
    ].join('\n');
    const child = spawn(process.execPath, ['-e', reader], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    const closed = once(child, 'close');
    const sink = new TerminalSink({ stream: child.stdin, color: false, names: ['flood', 'ünï'] });
    const events: LogEvent[] = [];
    let waiting = 0;
    // Bursts from two servers in turn, each burst in one tick, as two servers' stderr chunks.
    for (let burst = 0; burst < 200; burst++) {
      for (let i = 0; i < 100; i++) {
        const n = burst * 100 + i;
        const e = event(n, {
          server: burst % 2 === 0 ? 'flood' : 'ünï',
          msg: `line ${n} ${'é€x'.repeat(n % 40)}`,
        });
        events.push(e);
        void sink.write(e);
      }
      waiting = Math.max(waiting, child.stdin.writableLength);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sink.close();
    child.stdin.end();
    await closed;
    // The pipe was full: lines waited in the stream for the reader.
    expect(waiting).toBeGreaterThan(0);
    const lines = Buffer.concat(out).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(events.length);
    const expected = events.map((e) => `${e.server.padEnd(5)} | ${e.msg}`);
    expect(lines.map((l) => l.slice(l.indexOf(' | ') + 3))).toEqual(expected);
  });

  it('widens the server column for a server it did not know', async () => {
    const { stream, chunks } = slowStream();
    const sink = new TerminalSink({ stream, color: false, names: ['mcpx', 'docs'] });
    await sink.write(event(0, { server: 'docs' }));
    await sink.write(event(1, { server: 'text-kit', replica: 1 }));
    await sink.write(event(2, { server: 'docs' }));
    await sink.flush();
    expect(chunks.map((c) => c.split(' | ')[1])).toEqual(['docs', 'text-kit#1', 'docs      ']);
  });

  it('keeps up with a real process reading a pipe slowly', async () => {
    // The child waits before reading, so the pipe fills and the sink must wait for drain.
    const child = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => process.stdin.pipe(process.stdout), 300)'],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    const sink = new TerminalSink({ stream: child.stdin, json: true });
    const events = range(20_000).map((i) => event(i, { data: { pad: 'x'.repeat(40) } }));
    for (const e of events) await sink.write(e);
    await sink.close();
    child.stdin.end();
    // 'close', not 'exit': only then has all of its stdout been read.
    await once(child, 'close');
    const lines = Buffer.concat(out).toString().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as LogEvent)).toEqual(events);
  });

  it('reports a reader that went away and then drops lines without failing', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stdin.destroy()'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const exited = once(child, 'exit');
    const errors: Error[] = [];
    const sink = new TerminalSink({
      stream: child.stdin,
      json: true,
      onError: (e) => errors.push(e),
    });
    for (const i of range(2000)) {
      await sink.write(event(i));
      if (i === 0) await exited;
    }
    await sink.close();
    expect(errors).toHaveLength(1);
    // EPIPE, or Node's own code once it has destroyed the pipe of a child that exited.
    expect(['EPIPE', 'ERR_STREAM_DESTROYED']).toContain((errors[0] as NodeJS.ErrnoException).code);
  });

  /** The lines a sink writes for these events, with a stream that keeps them. */
  async function linesOf(
    events: LogEvent[],
    options: ConstructorParameters<typeof TerminalSink>[0],
  ): Promise<string[]> {
    const { stream, chunks } = slowStream();
    const sink = new TerminalSink({ stream, ...options });
    for (const e of events) await sink.write(e);
    await sink.close();
    return chunks.join('').trimEnd().split('\n');
  }

  it('labels replicas as mcpx status does: name#i only for a server with several', async () => {
    const lines = await linesOf(
      [
        event(0, { server: 'docs', replica: 0 }),
        event(1, { server: 'docs', replica: 1 }),
        event(2, { server: 'weather', replica: 0 }),
      ],
      {
        color: false,
        names: ['docs', 'weather'],
        replicas: new Map([
          ['docs', 2],
          ['weather', 1],
        ]),
      },
    );
    expect(lines.map((line) => line.split(' | ')[1])).toEqual(['docs#0 ', 'docs#1 ', 'weather']);
  });

  it('gives neighbouring servers colours of different hues, each of eight its own', async () => {
    // A hash of the name alone gave weather and git one colour, and docs and github another.
    const names = ['weather', 'docs', 'search', 'memory', 'files', 'git', 'slack', 'github'];
    const lines = await linesOf(
      names.map((server, i) => event(i, { server })),
      { color: true, names, replicas: new Map(names.map((n) => [n, 1])) },
    );
    // The label's colour: the SGR code just before the name (30-37 plain, 90-97 bright).
    const codes = lines.map((line, i) => {
      const code = new RegExp(`\u001b\\[(\\d+)m${names[i]}`).exec(line)?.[1];
      expect(code, line).toBeDefined();
      return Number(code);
    });
    expect(new Set(codes).size).toBe(8);
    const hue = (code: number): number => code % 10;
    for (let i = 1; i < codes.length; i++) expect(hue(codes[i]!)).not.toBe(hue(codes[i - 1]!));
  });
});

describe('TerminalSink with dropBeyond', () => {
  it('never makes the producer wait, and says how many lines it left out once the reader catches up', async () => {
    let release: (() => void) | undefined;
    const chunks: string[] = [];
    // A reader that takes the first chunk, then stops reading until the test lets it go on.
    const stream = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        if (chunks.length === 1) release = callback;
        else callback();
      },
    });
    const sink = new TerminalSink({
      stream,
      color: false,
      names: ['weather'],
      dropBeyond: 1000,
      droppedHint: 'see the store',
    });
    for (const i of range(100)) {
      const pending = sink.write(event(i, { data: { pad: 'x'.repeat(80) } }));
      let resolved = false;
      void pending.then(() => (resolved = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(resolved, `write ${i} resolved while the stream is full`).toBe(true);
    }
    expect(await sink.settled(50)).toBe(false);
    release?.();
    await sink.flush();
    // Lines went out until 1000 bytes waited, in order; the rest were counted, not queued.
    const shown = chunks.length;
    expect(shown).toBeGreaterThan(1);
    expect(chunks.map((c) => c.split(' | ')[2])).toEqual(range(shown).map((i) => `event ${i}\n`));
    expect(sink.dropped).toBe(100 - shown);
    // The reader caught up: the next line comes after the count of what it missed.
    await sink.write(event(100));
    expect(await sink.settled(1000)).toBe(true);
    expect(chunks.slice(shown)).toHaveLength(2);
    expect(chunks[shown]).toMatch(
      new RegExp(
        `mcpx\\s+\\| ${100 - shown} lines not shown: the terminal was not reading; see the store\\n$`,
      ),
    );
    expect(chunks[shown + 1]).toContain('event 100');
    expect(sink.dropped).toBe(0);
  });
});
