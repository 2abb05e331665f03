/**
 * The seeds' placeholder keys (seeds/000 sections 3.a.ii and 3.b.ii). They are the development
 * defaults, so the seeds' own curl examples work verbatim against a fresh `npm start`, and services
 * refuse them in production. Services bind to 127.0.0.1 in development because these are public.
 */

/** The seeds' TYPESENSE_SERVICE_API_KEY placeholder: the key services present to the gateway. */
export const SEED_DEV_SERVICE_KEY = 'your_secure_typesense_service_api_key';

/** The seeds' API_KEY placeholder: the key callers present to a domain service. */
export const SEED_DEV_API_KEY = 'YOUR_SUPER_SECRET_KEY';

/**
 * The development HS256 secret (JWT_SECRET's default), so `npm run token` mints tokens every local
 * service accepts. Public, so production refuses it.
 */
export const DEV_JWT_SECRET = 'fountain-development-jwt-secret-do-not-use-in-production';

/**
 * The Key Management Service's development master key (KMS_MASTER_KEY's default; 32 bytes, hex), so
 * `npm start` needs no setup. Public, so the KMS refuses it in production.
 */
export const DEV_KMS_MASTER_KEY = '00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0';
