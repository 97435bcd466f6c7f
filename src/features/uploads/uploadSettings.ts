import { integerVar, settingsGroup } from "../../settings";
import { storageSettings, type StorageConfig } from "../../storage/storageSettings";

/** /api/upload's settings: the largest body, and what every upload shares. */
export interface UploadConfig extends StorageConfig {
  /** The largest body accepted. */
  maxBytes: number;
}

/** UPLOAD_MAX_BYTES, with the storage settings, read once per isolate. */
export const uploadSettings = settingsGroup((env): UploadConfig => ({
  ...storageSettings(env),
  maxBytes: integerVar(env, "UPLOAD_MAX_BYTES", 0, 5 * 1024 ** 3, 100 * 1024 * 1024),
}));
