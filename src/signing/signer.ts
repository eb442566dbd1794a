/**
 * Who produces the signature value. Both kinds know their certificate chain up front (it goes
 * into the signed attributes before anything is signed) and sign a SHA-256 digest of the DER
 * signed attributes; they differ in when the answer comes:
 * - immediate: a key at hand (a PKCS#12 certificate file) answers at once;
 * - remote: a signing service (VNPT SmartCA and the like) takes the request, the leader confirms
 *   on the phone, and the outcome is learnt later by polling or by callback — minutes later,
 *   possibly in another process.
 */
export interface SigningRequest {
  /** SHA-256 of `signedAttributes`: what a hash-signing service is sent. */
  digest: Buffer;
  /**
   * The DER signed attributes themselves. A local key signs these (node:crypto hashes them
   * itself: it cannot sign a pre-computed digest with ECDSA); the result is the same signature.
   */
  signedAttributes: Buffer;
}

export interface ImmediateSigner {
  readonly kind: 'immediate';
  /** DER certificates, the signer's first, then its issuers (root optional). */
  certificateChain(): Promise<Buffer[]>;
  /** The raw signature value: PKCS#1 v1.5 (RSA) or DER (ECDSA). */
  signDigest(request: SigningRequest): Promise<Buffer>;
}

export interface RemoteRequestInfo {
  /** What the document is, shown to the signer in the confirmation app ("Văn bản xin lỗi 05/PXL-SXD"). */
  description: string;
  /** Our id for the document (doc_id), shown with it. */
  documentId: string;
}

/** A signature request the provider accepted; serialisable, to be kept with the prepared signature. */
export interface RemoteRequest {
  /** Our transaction id (unique per request; callbacks carry it). */
  transactionId: string;
  /** The provider's id for polling (SmartCA's tran_code). */
  requestId: string;
  documentId: string;
}

export type RemoteOutcome =
  | { status: 'pending' }
  | { status: 'signed'; signature: Buffer }
  | { status: 'refused'; message: string }
  | { status: 'expired'; message: string };

export interface RemoteSigner {
  readonly kind: 'remote';
  certificateChain(): Promise<Buffer[]>;
  /** Sends the digest; the signer is asked to confirm. */
  requestSignature(request: SigningRequest & RemoteRequestInfo): Promise<RemoteRequest>;
  /** The request's outcome now. Any number of pollers may ask; a settled outcome never changes. */
  checkRequest(request: RemoteRequest): Promise<RemoteOutcome>;
}

export type Signer = ImmediateSigner | RemoteSigner;
