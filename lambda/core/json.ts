/**
 * Strict decoding of JWS segments: base64url without padding (RFC 7515 §2, §7.1), UTF-8 that must be
 * well formed (RFC 7519 §7.2 step 4/8), and JSON objects without duplicate member names — RFC 7515 §5.2
 * step 4 and RFC 7519 §4 say a parser MUST reject duplicates or take the last, and different parsers
 * taking different ones is exactly how a token is made to mean two things, so the edge rejects them.
 */

import type * as NodeBuffer from "node:buffer";
import { getBuiltin } from "./node.js";

const B64URL = /^[A-Za-z0-9_-]*$/;
/** `node:buffer` `isUtf8` (strict UTF-8 validation, native). */
export const { isUtf8 } = getBuiltin("node:buffer") as typeof NodeBuffer;

/** Decodes an unpadded base64url segment; `undefined` when it is not strictly base64url. */
export function b64uDecode(segment: string): Buffer | undefined {
  if (segment.length % 4 === 1 || !B64URL.test(segment)) return undefined;
  return Buffer.from(segment, "base64url");
}

/** Decodes a segment to a well-formed UTF-8 string; `undefined` on bad base64url or bad UTF-8. */
export function b64uText(segment: string): string | undefined {
  const bytes = b64uDecode(segment);
  if (!bytes) return undefined;
  return isUtf8(bytes) ? bytes.toString("utf8") : undefined;
}

/**
 * Parses JSON text that must be a plain object with no duplicate member names at any depth.
 * @returns the object, or `undefined` when the text is not such an object.
 */
export function parseStrictObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  if (hasDuplicateMembers(text, value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * Whether valid JSON `text` has an object with two members of the same name, given `value`, the
 * result of `JSON.parse(text)`. JSON.parse keeps one property per distinct name (after unescaping),
 * so the text has a duplicate exactly when it holds more members than the parsed value has own
 * properties. Same answer as `hasDuplicateKeys(text)` at a fraction of the cost: the text scan jumps
 * from quote to quote (a member name is a string followed by `:`) and allocates nothing.
 */
export function hasDuplicateMembers(text: string, value: unknown): boolean {
  return countMembers(text) !== countProperties(value);
}

/** Number of object members in valid JSON text: strings followed (after whitespace) by `:`. */
function countMembers(text: string): number {
  let count = 0;
  for (let i = text.indexOf('"'); i >= 0; ) {
    // The closing quote: the next `"` not preceded by an odd run of backslashes.
    let j = text.indexOf('"', i + 1);
    while (j > 0) {
      let k = j - 1;
      while (text.charCodeAt(k) === 0x5c /* \ */) k--;
      if ((j - k) % 2 === 1) break;
      j = text.indexOf('"', j + 1);
    }
    if (j < 0) return -1; // unterminated: not JSON (never equals a property count)
    let c = text.charCodeAt(++j);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++j);
    if (c === 0x3a /* : */) count++;
    i = text.indexOf('"', j);
  }
  return count;
}

/** Own properties of every object in a parsed JSON value (iterative: nesting depth is unbounded). */
function countProperties(value: unknown): number {
  let count = 0;
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stack.push(v[i]);
    else
      for (const k in v) {
        count++;
        stack.push((v as Record<string, unknown>)[k]);
      }
  }
  return count;
}

/**
 * Whether valid JSON text has an object with two members of the same name (compared after
 * unescaping). Assumes `text` already parsed; a single linear scan, no allocation per value.
 */
export function hasDuplicateKeys(text: string): boolean {
  // Arrays while small (a JWT object has a handful of members: a linear scan is cheapest), a Set
  // beyond 16 members so a crafted header with thousands of members stays linear.
  const stack: Array<string[] | Set<string> | null> = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const raw = text.slice(start, i + 1);
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (Array.isArray(top)) {
          if (top.includes(key)) return true;
          top.push(key);
          if (top.length > 16) stack[stack.length - 1] = new Set(top);
        } else {
          if (top.has(key)) return true;
          top.add(key);
        }
        expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      stack.push([]);
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return false;
}
