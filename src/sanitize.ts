/**
 * Text a server supplies (log lines, tool names and descriptions, error messages, stderr) made safe
 * to print: a terminal must show it, never obey it. A server could otherwise write to the
 * clipboard (OSC 52), retitle the window, clear the screen, ring the bell, or hide text behind a
 * backspace, a carriage return or a bidi override.
 *
 * - Colour and style codes (`ESC [ ... m`, SGR) are removed: loggers emit them all the time, and
 *   mcpx applies its own colours.
 * - Every other C0 and C1 control character, DEL, the bidi embedding, override and isolate
 *   characters, lone surrogates and the noncharacters U+FFFE/U+FFFF are shown as escapes:
 *   `\x1b`, `\x07`, `\x9b`, `\u202e`. So an escape sequence is visible for what it is,
 *   `\x1b]52;c;...\x07`, and cannot act.
 * - Tabs stay; newlines stay only where the caller prints several lines (`keepNewlines`).
 */

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;:]*m/g;
// C0 but tab (and newline, handled apart), DEL, C1, bidi controls, lone surrogates, U+FFFE/FFFF.
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export interface SanitizeOptions {
  /** Keep `\n` as a line break (text printed as several lines); otherwise it shows as `\n`. */
  keepNewlines?: boolean;
}

// Any character that SGR or UNSAFE could match (a valid surrogate pair too): without one, which
// is most log lines, the text is safe as it is, found in one scan.
const MAYBE_UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]/;

export function sanitizeText(text: string, options: SanitizeOptions = {}): string {
  if (!MAYBE_UNSAFE.test(text)) return text;
  return text.replace(SGR, '').replace(UNSAFE, (char) => {
    if (char === '\n' && options.keepNewlines === true) return char;
    return escapeChar(char);
  });
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

// Characters JSON.stringify leaves raw that a terminal may act on (C1, DEL) or that reorder or hide
// text (bidi controls); U+2028/9 end lines in some readers.
const JSON_UNSAFE =
  /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]/g;

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal could act on written as
 * `\u` escapes: the same JSON value, safe to print. (JSON.stringify already escapes C0 controls
 * and lone surrogates.) Apply it to JSON text only: outside strings these characters cannot occur.
 */
export function escapeJsonText(json: string): string {
  return json.replace(
    JSON_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
