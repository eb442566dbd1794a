// The SmartCA fake lives in src/replay/fakes/smartca.ts so that `henlai replay` can start it.
export * from '../../src/replay/fakes/smartca';
