/**
 * The Athena engine the validation SQL is written for: version 3, which is Trino, as the local
 * target (Athena User Guide, "Athena engine version 3"). The query stack selects it and
 * `clickstream doctor` checks the workgroup's effective version against it.
 */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';
