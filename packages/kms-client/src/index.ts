/** @fountain/kms-client: how services and verifiers use the Key Management Service. */
export { createKmsClient } from './client.ts';
export type { FeedKey, FeedPage, KmsClient, KmsClientOptions, ServiceKeyRecord } from './client.ts';
export { kmsClientFromConfig, kmsConfigVars, kmsTokenProvider } from './token.ts';
export type { KmsConfig, KmsTokenOptions } from './token.ts';
export { startServiceKey } from './service-key.ts';
export type { KeyLogger, ServiceKey, ServiceKeyOptions } from './service-key.ts';
export { startKeyMirror } from './key-mirror.ts';
export type { KeyMirror, KeyMirrorOptions, VerificationOutcome } from './key-mirror.ts';
