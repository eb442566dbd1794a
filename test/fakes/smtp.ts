// The SMTP fake lives in src/replay/fakes/smtp.ts so that `henlai replay` can start it.
export * from '../../src/replay/fakes/smtp';
