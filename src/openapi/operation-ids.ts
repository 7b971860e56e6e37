/**
 * The operation id of every documented route, keyed by `ControllerClass.method`: the names generated
 * clients call (`client.listOrders()`), so they are chosen here rather than derived from class and method
 * names, which are free to change. A new route must be added here: `npm run openapi` fails without it.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'HealthController.check': 'getHealth',

  'TenantsController.create': 'createTenant',

  'ApiKeysController.list': 'listApiKeys',
  'ApiKeysController.create': 'createApiKey',
  'ApiKeysController.revoke': 'revokeApiKey',

  'SalesSitesController.list': 'listSalesSites',

  'ConnectionsController.list': 'listConnections',
  'ConnectionsController.create': 'createConnection',
  'ConnectionsController.get': 'getConnection',
  'ConnectionsController.update': 'updateConnection',
  'ConnectionsController.remove': 'deleteConnection',
  'ConnectionsController.authorize': 'authorizeConnection',
  'ConnectionsController.renewTokens': 'renewConnectionTokens',
  'ConnectionsController.test': 'testConnection',
  'ConnectionSyncController.sync': 'syncConnection',
  'OAuthCallbackController.callback': 'completeConnectionAuthorization',

  'SyncRunsController.list': 'listSyncRuns',
  'SyncRunsController.get': 'getSyncRun',

  'OrdersController.list': 'listOrders',
  'OrdersController.create': 'createOrder',
  'OrdersController.get': 'getOrder',
  'OrdersController.timeline': 'listOrderTimeline',
  'OrdersController.confirm': 'confirmOrder',
  'OrdersController.cancel': 'cancelOrder',
  'OrdersController.recheck': 'recheckOrder',
  'ShippingInstructionController.instruct': 'createFulfillment',

  'FulfillmentOrdersController.list': 'listFulfillmentOrders',
  'FulfillmentOrdersController.get': 'getFulfillmentOrder',
  'FulfillmentOrdersController.waybill': 'issueWaybill',
  'FulfillmentOrdersController.inboundScan': 'recordInboundScan',
  'FulfillmentOrdersController.ship': 'shipFulfillmentOrder',
  'FulfillmentOrdersController.cancel': 'cancelFulfillmentOrder',
  'FulfillmentOrdersController.retryTrackingPush': 'retryTrackingPush',

  'SkusController.list': 'listSkus',
  'SkusController.create': 'createSku',
  'SkusController.get': 'getSku',
  'SkusController.update': 'updateSku',
  'SkusController.remove': 'deleteSku',
  'SkusController.import': 'importSkus',

  'SkuMappingsController.list': 'listSkuMappings',
  'SkuMappingsController.create': 'createSkuMapping',
  'SkuMappingsController.get': 'getSkuMapping',
  'SkuMappingsController.remove': 'deleteSkuMapping',
  'SkuMappingsController.import': 'importSkuMappings',
  'SkuMappingsController.export': 'exportSkuMappings',
  'SkuMappingsController.unmapped': 'listUnmappedListings',

  'InventoryController.list': 'listInventory',
  'InventoryController.movements': 'listInventoryMovements',
  'InventoryController.adjust': 'adjustInventory',
  'StockReconciliationController.report': 'getStockReconciliation',
  'StockReconciliationController.run': 'startStockReconciliation',

  'StockLinksController.list': 'listStockLinks',
  'StockLinksController.create': 'createStockLink',
  'StockLinksController.get': 'getStockLink',
  'StockLinksController.update': 'updateStockLink',
  'StockLinksController.remove': 'deleteStockLink',
  'StockLinksController.replaceCodeMap': 'replaceStockLinkCodeMap',
  'StockLinksController.flush': 'flushStockLink',
  'SmaregiWebhookController.receive': 'receiveSmaregiWebhook',

  'LiveEventsController.stream': 'streamEvents',

  'WebhookEndpointsController.list': 'listWebhookEndpoints',
  'WebhookEndpointsController.create': 'createWebhookEndpoint',
  'WebhookEndpointsController.get': 'getWebhookEndpoint',
  'WebhookEndpointsController.remove': 'deleteWebhookEndpoint',
  'WebhookEndpointsController.deliveries': 'listWebhookDeliveries',
  'WebhookDeliveriesController.retry': 'retryWebhookDelivery',

  'SessionsController.signIn': 'signIn',
  'SessionsController.signOut': 'signOut',
  'SessionsController.me': 'getMe',
  'SessionsController.changeOwnPassword': 'changeOwnPassword',
  'UsersController.list': 'listUsers',
  'UsersController.create': 'createUser',
  'UsersController.get': 'getUser',
  'UsersController.update': 'updateUser',
  'UsersController.remove': 'deleteUser',
};

/** The name of `Controller.method` for `@nestjs/swagger`'s `operationIdFactory`. */
export function operationIdOf(controllerKey: string, methodKey: string, options: { strict: boolean }): string {
  const key = `${controllerKey}.${methodKey}`;
  const id = OPERATION_IDS[key];
  if (id) return id;
  if (options.strict) {
    throw new Error(`No operation id for ${key}: add the name a client would call it by to OPERATION_IDS in src/openapi/operation-ids.ts`);
  }
  // the served /docs of a work in progress: `npm run openapi` (and so CI) refuses it
  return `${controllerKey.replace(/Controller$/, '')}_${methodKey}`;
}
