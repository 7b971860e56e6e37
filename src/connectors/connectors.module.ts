import { Module } from '@nestjs/common';

import { ConnectorRegistry } from './connector-registry';
import { CrossmallConnector } from './crossmall/crossmall.connector';
import { CrossmallModule } from './crossmall/crossmall.module';
import { ElevenStreetConnector } from './eleven-street/eleven-street.connector';
import { ElevenStreetModule } from './eleven-street/eleven-street.module';
import { AppConfig } from '../config/app-config';
import { SITE_HTTP_OPTIONS, SiteHttpClientFactory, type SiteHttpOptions } from './http/site-http-client.factory';
import { NextEngineConnector } from './nextengine/nextengine.connector';
import { NextEngineModule } from './nextengine/nextengine.module';
import { Qoo10Connector } from './qoo10/qoo10.connector';
import { Qoo10Module } from './qoo10/qoo10.module';
import { SALES_SITE_CONNECTORS, type SiteConnector } from './sales-site-connector';
import { SmaregiConnector } from './smaregi/smaregi.connector';
import { SmaregiModule } from './smaregi/smaregi.module';

const CONNECTOR_CLASSES = [NextEngineConnector, Qoo10Connector, ElevenStreetConnector, CrossmallConnector, SmaregiConnector];

/**
 * The sales-site connectors and the shared transport. Nest has no multi-providers, so the list
 * under SALES_SITE_CONNECTORS is assembled here from each site module's exported connector; a new
 * site adds its module and its connector class to this file. Needs `AppConfig` provided globally.
 */
@Module({
  imports: [NextEngineModule, Qoo10Module, ElevenStreetModule, CrossmallModule, SmaregiModule],
  providers: [
    {
      provide: SITE_HTTP_OPTIONS,
      useFactory: (config: AppConfig): Partial<SiteHttpOptions> => ({
        ...(config.siteRequestTimeoutMs ? { defaultTimeoutMs: config.siteRequestTimeoutMs } : {}),
        ...(config.siteRetryBaseDelayMs ? { retryBaseDelayMs: config.siteRetryBaseDelayMs } : {}),
        ...(config.siteMinIntervalCapMs !== undefined ? { minIntervalCapMs: config.siteMinIntervalCapMs } : {}),
      }),
      inject: [AppConfig],
    },
    SiteHttpClientFactory,
    {
      provide: SALES_SITE_CONNECTORS,
      useFactory: (...connectors: SiteConnector[]) => connectors,
      inject: CONNECTOR_CLASSES,
    },
    ConnectorRegistry,
  ],
  exports: [ConnectorRegistry, SiteHttpClientFactory, SALES_SITE_CONNECTORS],
})
export class ConnectorsModule {}
