/** The Zalo channel's public surface, for the composition root, the webhook route and the admin CLI. */
export { createZaloChannel, ZALO_SIMULATOR_NUMBERS, type ZaloChannel, type ZaloChannelDeps, type ZaloSimulatorNumber } from './channel';
export { classifyZaloAnswer, ZaloClient, ZALO_ERROR_TEXT, type ZaloAnswer, type ZaloTemplateMessage } from './client';
export { readZaloSettings, zaloEnvShape, type ZaloSettings } from './settings';
export { alertOnce, ZaloGrantError, ZaloTokenStore, ZALO_GRANT_ALERT, type ZaloGrantStatus } from './tokens';
export { handleZaloWebhook, markDeliveredFromReceipts, recordZaloReceipt, verifyZaloSignature, type ZaloReceiptResult, type ZaloWebhookResponse } from './webhook';
