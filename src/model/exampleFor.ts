type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  format?: string;
};

const FORMATS: Record<string, string> = {
  date: "2026-01-01",
  "date-time": "2026-01-01T00:00:00Z",
  time: "00:00:00Z",
  email: "user@example.com",
  uri: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
};

// The schema comes from the caller: its numbers never size what is built. A string is at most this long, an array
// this many items, the value this deep, and the whole value this many parts; past a cap the example stops short of
// the schema (an absurd bound gets arguments that fail it) instead of filling the isolate's memory.
const MAX_TEXT = 1024;
const MAX_ITEMS = 16;
const MAX_DEPTH = 16;
const MAX_PARTS = 2048;

/**
 * A value that validates against a JSON Schema, made the same way every time: what the offline model passes a tool.
 * Strings are `word` (from the prompt) unless an enum, const, default or format says otherwise. Covers the schemas
 * tools use (objects, arrays, scalars, enums, anyOf/oneOf/allOf, bounds); not `$ref`, `pattern` or `multipleOf`.
 * Bounded whatever the schema says (MAX_TEXT, MAX_ITEMS, MAX_DEPTH, MAX_PARTS).
 */
export function exampleFor(schema: unknown, word: string): unknown {
  return example(schema, word, 0, { parts: MAX_PARTS });
}

function example(schema: unknown, word: string, depth: number, budget: { parts: number }): unknown {
  if (depth > MAX_DEPTH || --budget.parts < 0) return null;
  if (typeof schema !== "object" || schema === null) return {};
  const exampleFor = (inner: unknown, w: string) => example(inner, w, depth + 1, budget);
  const s = schema as Schema;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const first = s.anyOf?.[0] ?? s.oneOf?.[0];
  if (first) return exampleFor(first, word);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part) => exampleFor(part, word)));
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== "null") ?? "null") : (s.type ?? (s.properties ? "object" : "string"));
  switch (type) {
    case "object":
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([key, property]) => [key, exampleFor(property, word)]));
    case "array": {
      const length = Math.min(Math.max(s.minItems ?? 1, 1), s.maxItems ?? Infinity, MAX_ITEMS);
      return Array.from({ length }, () => exampleFor(s.items, word));
    }
    case "integer":
    case "number": {
      // 1 when the bounds allow it (zod's int() bounds are ±2^53), else the nearest bound.
      const low = s.minimum ?? (s.exclusiveMinimum !== undefined ? Math.floor(s.exclusiveMinimum) + 1 : -Infinity);
      return Math.min(Math.max(1, low), s.maximum ?? Infinity);
    }
    case "boolean":
      return true;
    case "null":
      return null;
    default: {
      const text = (s.format && FORMATS[s.format]) || word;
      return text.padEnd(Math.min(s.minLength ?? 0, MAX_TEXT), "x").slice(0, s.maxLength ?? Infinity);
    }
  }
}
