import { describe, expect, it } from 'vitest';
import { escapeJsonText, sanitizeText } from '../src/sanitize.js';

describe('sanitizeText', () => {
  it('shows control sequences as escapes instead of passing them to the terminal', () => {
    expect(sanitizeText('a\u001b]52;c;cHduZWQ=\u0007b')).toBe('a\\x1b]52;c;cHduZWQ=\\x07b');
    expect(sanitizeText('\u001b]0;title\u001b\\')).toBe('\\x1b]0;title\\x1b\\');
    expect(sanitizeText('\u001b[2J\u001b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(sanitizeText('bell\u0007 back\b\b nul\u0000 del\u007f')).toBe(
      'bell\\x07 back\\x08\\x08 nul\\x00 del\\x7f',
    );
    expect(sanitizeText('c1 \u009b31m \u0085')).toBe('c1 \\x9b31m \\x85');
    expect(sanitizeText('over\rwrite')).toBe('over\\rwrite');
  });

  it('shows bidi controls, lone surrogates and U+FFFE/U+FFFF as escapes, keeps real text', () => {
    expect(sanitizeText('\u202eevil\u202c \u2066x\u2069')).toBe(
      '\\u202eevil\\u202c \\u2066x\\u2069',
    );
    expect(sanitizeText('a\ud800b\udc00c\uffff')).toBe('a\\ud800b\\udc00c\\uffff');
    expect(sanitizeText('naïve 日本語 😀 ok')).toBe('naïve 日本語 😀 ok');
  });

  it('drops colour codes, keeps tabs, and keeps newlines only when asked', () => {
    expect(sanitizeText('\u001b[31mred\u001b[0m\tx')).toBe('red\tx');
    expect(sanitizeText('a\nb')).toBe('a\\nb');
    expect(sanitizeText('a\nb\u0007', { keepNewlines: true })).toBe('a\nb\\x07');
  });
});

describe('escapeJsonText', () => {
  it('escapes what JSON.stringify leaves raw, keeping the same JSON value', () => {
    const value = { msg: 'x\u009b31m\u202e\u2028\uffff\u001b' };
    const text = escapeJsonText(JSON.stringify(value));
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u202e\uffff]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
