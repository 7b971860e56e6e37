import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { AppConfig } from '../config/app-config';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorsModule } from './connectors.module';
import { SiteHttpClientFactory } from './http/site-http-client.factory';
import { SITE_IDS, type SiteConnector } from './sales-site-connector';

@Global()
@Module({
  providers: [
    {
      provide: AppConfig,
      useValue: new AppConfig({
        port: 3000,
        dataDir: '.data',
        credentialsKey: Buffer.alloc(32),
        publicBaseUrl: 'http://localhost:3000',
        connectReturnUrl: 'http://localhost:3000/docs',
        nextEngine: { signInUrl: 'https://base.next-engine.org' },
        egressIps: [],
        logLevel: 'silent',
        workersEnabled: false,
        syncTickSeconds: 30,
        jobPollingSeconds: 2,
        initialLookbackDays: 30,
      }),
    },
  ],
  exports: [AppConfig],
})
class GlobalConfigModule {}

describe('ConnectorRegistry', () => {
  const fakeConnector = (site: string) => ({ descriptor: { site } }) as unknown as SiteConnector;

  it('wires one connector per site through ConnectorsModule', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [GlobalConfigModule, ConnectorsModule] }).compile();

    const registry = moduleRef.get(ConnectorRegistry);

    expect(
      registry
        .list()
        .map((connector) => connector.descriptor.site)
        .sort(),
    ).toEqual([...SITE_IDS].sort());
    expect(registry.get('qoo10-jp').descriptor.displayName).toBe('Qoo10 JP');
    expect(registry.descriptors().find((descriptor) => descriptor.site === 'nextengine')?.rateLimit.maxConcurrent).toBe(1);
    expect(moduleRef.get(SiteHttpClientFactory)).toBeInstanceOf(SiteHttpClientFactory);
    await moduleRef.close();
  });

  it('names the unknown site and the known ones', () => {
    const registry = new ConnectorRegistry([fakeConnector('nextengine'), fakeConnector('11st')]);

    expect(() => registry.get('rakuten')).toThrow('No connector for the sales site "rakuten"; known sites: nextengine, 11st');
    expect(registry.has('11st')).toBe(true);
    expect(registry.has('rakuten')).toBe(false);
  });

  it('refuses two connectors for one site', () => {
    expect(() => new ConnectorRegistry([fakeConnector('11st'), fakeConnector('11st')])).toThrow(/Two connectors .* "11st"/);
  });
});
