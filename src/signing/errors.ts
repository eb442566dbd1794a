import { AppError } from '../errors';

/**
 * Every refusal of the signing module: a machine code the caller can branch on (and store) and
 * a Vietnamese message a clerk or leader can act on. 422: the request was understood, but the
 * certificate, file or document does not allow it.
 */
export type SigningErrorCode =
  | 'p12-unreadable'
  | 'p12-wrong-password'
  | 'p12-no-private-key'
  | 'p12-no-certificate'
  | 'key-certificate-mismatch'
  | 'key-too-weak'
  | 'key-unsupported'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'certificate-subject-mismatch'
  | 'certificate-not-for-signing'
  | 'pdf-unreadable'
  | 'pdf-encrypted'
  | 'pdf-page-missing'
  | 'pdf-rect-invalid'
  | 'image-unreadable'
  | 'prepared-invalid'
  | 'field-exists'
  | 'signature-too-large'
  | 'signature-mismatch'
  | 'remote-unavailable'
  | 'remote-refused-request'
  | 'remote-protocol'
  | 'remote-no-certificate'
  | 'callback-unauthenticated'
  | 'secret-unreadable'
  | 'signer-not-configured'
  | 'signer-unknown';

export class SigningError extends AppError {
  constructor(
    readonly signingCode: SigningErrorCode,
    message: string,
    status = 422,
  ) {
    super(status, signingCode, message);
  }
}
