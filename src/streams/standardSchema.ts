// The Standard Schema interface (standardschema.dev), as its authors ask: copied, not depended on. Zod, Valibot,
// ArkType and others implement it, so any of them can check the records of a stream.

/** A validator any Standard Schema library produces. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }> };

/** The type a schema accepts. */
export type InferInput<S> = S extends StandardSchemaV1<infer I, unknown> ? I : unknown;
/** The type a schema produces: what the client reads. */
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : unknown;
