/** An SDK v3 service or client error, as far as doctor reads it. */
interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const asSdkError = (error: unknown): SdkError => (typeof error === 'object' && error !== null ? error as SdkError : { message: String(error) });

/** The error's code (the SDK puts it in `name`). */
export function errorName(error: unknown): string {
  return asSdkError(error).name ?? 'Error';
}

export function httpStatus(error: unknown): number | undefined {
  return asSdkError(error).$metadata?.httpStatusCode;
}

/**
 * Errors that mean the caller has no usable credentials: the SDK's credential chain found none
 * (`CredentialsProviderError`), or STS refused the token (STS API Reference, "Common Errors":
 * `ExpiredToken`, `InvalidClientTokenId`; query-protocol services name them without the suffix).
 */
const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch']);

export function isCredentialError(error: unknown): boolean {
  return CREDENTIAL_ERRORS.has(errorName(error));
}

/**
 * Errors that mean the caller may not make the request: `AccessDenied` (IAM, STS, S3),
 * `AccessDeniedException` (JSON services: Athena, Glue), `UnauthorizedOperation` (EC2 API Reference,
 * "Error codes"), and a 403 without a body (S3's HEAD requests).
 */
export function isAccessDenied(error: unknown): boolean {
  const name = errorName(error);
  return name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'UnauthorizedOperation' || (httpStatus(error) === 403 && !isCredentialError(error));
}

/** The fix for an error no check expects: what was refused, and by whom. */
export function unexpected(action: string, error: unknown): string {
  const e = asSdkError(error);
  if (isCredentialError(error)) return `${action} was refused for the credentials (${errorName(error)}): refresh them (e.g. \`aws sso login\`) and run doctor again`;
  if (isAccessDenied(error)) {
    return `${action} was denied (${errorName(error)}${e.message ? `: ${e.message}` : ''}): run doctor with credentials that may read it, such as the environment's run role`;
  }
  return `${action} failed: ${errorName(error)}${e.message ? `: ${e.message}` : ''}`;
}
