/**
 * Deep equality of two JSON values, ignoring key order (objects come back from JSONB with their keys
 * reordered). Used to recognise a repeated push that changes nothing.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameJson(item, b[index]))
  }
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = Object.keys(left).filter((k) => left[k] !== undefined)
  if (keys.length !== Object.keys(right).filter((k) => right[k] !== undefined).length) return false
  return keys.every((key) => Object.hasOwn(right, key) && sameJson(left[key], right[key]))
}

/** U+0000, or a UTF-16 surrogate without its other half: no PostgreSQL text or jsonb can hold either. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Ajv-style path of a value: `/evses/0/uid`. */
function pointer(path: readonly (string | number)[]): string {
  return path.map((segment) => `/${segment}`).join('')
}

export interface JsonFlaw {
  /** JSON pointer of the value at fault, `/evses/0/uid` ('' for the whole document). */
  readonly path: string
  readonly message: string
}

/**
 * False when a JSON text cannot hold U+0000 or a lone surrogate once parsed: valid JSON has neither raw
 * (control characters must be escaped, and text decoded from UTF-8 has no lone surrogates), so only a
 * `\u0000` or `\uD800`–`\uDFFF` escape can bring one in. Most bodies have none, and skip the walk.
 */
export function mayHoldUnstorableText(text: string): boolean {
  return /\\u(?:0000|[dD][89a-fA-F])/.test(text)
}

/**
 * The first string or object key in `value` that holds U+0000 or a lone surrogate (`"\u0000"`,
 * `"\ud800"` are valid JSON, but no PostgreSQL text or jsonb value), or undefined.
 */
export function findUnstorableText(value: unknown, path: (string | number)[] = []): JsonFlaw | undefined {
  if (typeof value === 'string') {
    return UNSTORABLE.test(value)
      ? { path: pointer(path), message: 'must not contain U+0000 or an unpaired surrogate (\\ud800-\\udfff)' }
      : undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const flaw = findUnstorableText(value[index], [...path, index])
      if (flaw) return flaw
    }
    return undefined
  }
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) {
      return {
        path: pointer(path),
        message: 'has a key with U+0000 or an unpaired surrogate (\\ud800-\\udfff)',
      }
    }
    const flaw = findUnstorableText(item, [...path, key])
    if (flaw) return flaw
  }
  return undefined
}

/** `-12.50e3` → sign-free digits without leading or trailing zeros, and the power of ten of the last one. */
function decimalValue(literal: string): { digits: string; exponent: number } {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)
  if (!match) return { digits: literal, exponent: 0 }
  const fraction = match[2] ?? ''
  let digits = `${match[1]}${fraction}`.replace(/^0+/, '')
  let exponent = Number(match[3] ?? 0) - fraction.length
  const trailing = /0*$/.exec(digits)![0].length
  digits = digits.slice(0, digits.length - trailing)
  exponent += trailing
  return digits === '' ? { digits: '0', exponent: 0 } : { digits, exponent }
}

/**
 * True when the number the hub sends on for `literal` (JSON.stringify of the double it parses to) has the
 * same decimal value: false for integers beyond 2^53 (`9007199254740993` would leave as
 * `9007199254740992`), more significant digits than a double holds, and values that overflow or
 * underflow (`1e400` would leave as `null`). `-0` counts as 0, which is what leaves.
 */
export function isExactJsonNumber(literal: string): boolean {
  const parsed = Number(literal)
  if (!Number.isFinite(parsed)) return false
  const sent = decimalValue(JSON.stringify(parsed))
  const received = decimalValue(literal)
  return sent.digits === received.digits && sent.exponent === received.exponent
}

const NUMBER_LITERAL = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** 16 or more digits and dots in a row, or an exponent: where an inexact number could be (or a string). */
const MAY_BE_INEXACT = /[\d.]{16,}|\d[eE][+-]?\d/

/**
 * The first number in a valid JSON text that the hub could not pass on unchanged (isExactJsonNumber), with
 * its path, or undefined. One pass over the text (the parsed value no longer has the digits).
 */
export function findInexactNumber(text: string): JsonFlaw | undefined {
  // A number of at most 15 digits and no exponent is always exact: most bodies need no walk at all.
  if (!MAY_BE_INEXACT.test(text)) return undefined
  // One entry per open object (its current key) or array (its current index).
  const stack: { key: string | number; array: boolean }[] = []
  let expectKey = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (char === '"') {
      const start = index
      for (index++; text[index] !== '"'; index++) if (text[index] === '\\') index++
      if (expectKey) {
        stack[stack.length - 1]!.key = JSON.parse(text.slice(start, index + 1)) as string
        expectKey = false
      }
    } else if (char === '{') {
      stack.push({ key: '', array: false })
      expectKey = true
    } else if (char === '[') {
      stack.push({ key: 0, array: true })
    } else if (char === '}' || char === ']') {
      stack.pop()
    } else if (char === ',') {
      const top = stack[stack.length - 1]
      if (top?.array) top.key = (top.key as number) + 1
      else expectKey = true
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER_LITERAL.lastIndex = index
      const literal = NUMBER_LITERAL.exec(text)?.[0] ?? char
      if (!isExactJsonNumber(literal)) {
        return {
          path: pointer(stack.map((entry) => entry.key)),
          message: `${literal} cannot be passed on exactly (a number must be exact as a double: integers up to 2^53, at most 17 significant digits)`,
        }
      }
      index += literal.length - 1
    }
  }
  return undefined
}
