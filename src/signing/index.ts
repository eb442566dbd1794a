/**
 * Digital signatures on issued letters ("ký số 2 lớp"): see README.md in this folder for the
 * flow, the API and the choices made. Everything the rest of the service uses is exported here.
 */
export { SigningError, type SigningErrorCode } from './errors';
export type { ImmediateSigner, RemoteSigner, RemoteRequest, RemoteOutcome, RemoteRequestInfo, Signer, SigningRequest } from './signer';
export {
  prepareSignature,
  completeSignature,
  signPdf,
  serializePrepared,
  parsePrepared,
  type PrepareOptions,
  type PreparedSignature,
  type SignatureField,
  type SignatureInfo,
} from './pades';
export type { Appearance, Rect, Stamp } from './pdf/appearance';
export { leaderSignature, agencySignature, sealRect, agencyTextRect, MM } from './layers';
export { openCertificateFile, createKeySigner, type CertificateFileOptions, type KeySigner } from './certificate-file';
export { parseCertificate, parseCertificates, subjectMismatches, toPem, type CertificateInfo, type ExpectedSubject } from './certificates';
export { verifyPdfSignatures, signedRevision, type VerificationResult, type VerifiedSignature, type SignerSummary, type Problem } from './verify';
export { createDemoCa, openDemoCa, DEMO_MARK, type DemoCa, type IssuedCertificate } from './demo-ca';
export { demoSealPng, demoSignaturePng } from './demo-images';
export { createSmartCaClient, CALLBACK_SIGNATURE_HEADER, type SmartCaSettings, type RemoteSigningService, type CallbackResult } from './remote/smartca';
export { createSigningSimulator, SIGNING_SIMULATOR_USERS } from './remote/simulator';
export { appearanceTime, isoVietnam } from './time';
