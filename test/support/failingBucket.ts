/** One R2 call to fail: the method, and the key it names (the multipart upload's key for uploadPart and complete). */
export interface Fault {
  method: "get" | "head" | "put" | "delete" | "list" | "createMultipartUpload" | "uploadPart" | "complete";
  key?: RegExp;
  /** Set: the call goes through first, then this runs and its throw (or ours) fails the caller: a crash after the write. */
  after?: () => void;
}

/**
 * An R2 bucket that fails on demand: every call goes to `bucket`, except the next one matching the first fault left,
 * which throws as an unreachable R2 would (or, with `after`, runs and then fails). Each fault fires once. `onCall`
 * sees every call first: a test learns that a request has reached R2.
 */
export function failingBucket(bucket: R2Bucket, faults: Fault[], onCall?: (method: Fault["method"], key: string) => void): R2Bucket {
  const gate = async <T>(method: Fault["method"], key: string, call: () => Promise<T>): Promise<T> => {
    onCall?.(method, key);
    const index = faults.findIndex((f) => f.method === method && (!f.key || f.key.test(key)));
    if (index < 0) return call();
    const [fault] = faults.splice(index, 1);
    if (fault!.after) {
      await call();
      fault!.after();
    }
    throw new Error(`R2 failed on purpose: ${method} ${key}`);
  };
  const multipart = (upload: R2MultipartUpload): R2MultipartUpload => ({
    key: upload.key,
    uploadId: upload.uploadId,
    uploadPart: (n, value, options) => gate("uploadPart", upload.key, () => upload.uploadPart(n, value, options)),
    complete: (parts) => gate("complete", upload.key, () => upload.complete(parts)),
    abort: () => upload.abort(),
  });
  return {
    get: ((key: string, options?: R2GetOptions) => gate("get", key, () => bucket.get(key, options))) as R2Bucket["get"],
    head: (key) => gate("head", key, () => bucket.head(key)),
    put: ((key: string, value: Parameters<R2Bucket["put"]>[1], options?: R2PutOptions) => gate("put", key, () => bucket.put(key, value, options))) as R2Bucket["put"],
    delete: (keys) => gate("delete", String(keys), () => bucket.delete(keys)),
    list: (options) => gate("list", options?.prefix ?? "", () => bucket.list(options)),
    createMultipartUpload: async (key, options) => multipart(await gate("createMultipartUpload", key, () => bucket.createMultipartUpload(key, options))),
    resumeMultipartUpload: (key, uploadId) => multipart(bucket.resumeMultipartUpload(key, uploadId)),
  };
}
