export { type LoadSecretsOptions, loadSecrets, MIN_SECRET_LENGTH, type SecretEntry, SecretStore } from './load-secrets.js';
export { type EnvEntry, parseEnvFile } from './parse-env-file.js';
export { processRedactor, redactProcessText, registerProcessSecrets } from './process-redactor.js';
export { redactingDestination, redactingPinoOptions } from './redact-log.js';
export { createRedactor, REDACTED, type Redactor, secretForms } from './redactor.js';
export { collectSecretRefs, findInlineSecrets, resolveSecretRefs, type SecretLocation } from './resolve-secrets.js';
export { isSecretRef, SECRET_ANNOTATION, SECRET_NAME_PATTERN, type SecretRef, SecretRefSchema } from './secret-ref.js';
