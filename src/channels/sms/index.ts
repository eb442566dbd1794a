/** The SMS channel's public surface, for the composition root, the callback route and the admin pages. */
export { createSmsChannel, gatewayOf, SMS_SIMULATOR_NUMBERS, type SmsSimulatorNumber } from './channel';
export { esmsGateway } from './esms';
export type { SmsAnswer, SmsGateway, SmsMessage, SmsReport } from './gateway';
export { applyEarlySmsReport, callbackTokenMatches, handleSmsCallback, recordSmsReport, type SmsCallbackResponse, type SmsReportResult } from './reports';
export { readSmsSettings, smsEnvShape, type SmsSettings } from './settings';
