import { HttpError } from "./HttpError";
import type { StandardSchemaV1 } from "./standardSchema";

/**
 * Checks one record against a Standard Schema and returns the validated value; a record that fails is an error
 * (the stream's error record, never bad data). Synchronous validation only: records leave in order, as sent.
 */
export function validateRecord<Output>(schema: StandardSchemaV1<unknown, Output>, value: unknown): Output {
  const result = schema["~standard"].validate(value);
  if (result instanceof Promise) throw new TypeError("stream record schemas must validate synchronously");
  if (result.issues) {
    const [issue] = result.issues;
    const path = issue?.path?.map((p) => String(typeof p === "object" ? p.key : p)).join(".");
    throw new HttpError(500, "invalid_record", `a record failed its schema${path ? ` at ${path}` : ""}: ${issue?.message}`);
  }
  return result.value;
}
