/**
 * Where JSON text first nests arrays and objects more than `max` deep: the offset of the bracket
 * that goes past it, by one pass over the characters (brackets inside strings do not count). Not a
 * validator: a parser still judges the text. Used before parsing, because what handles the parsed
 * value recursively (checks, JSON.stringify) overflows its stack on deep enough nesting.
 */
export function tooDeepAt(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}
