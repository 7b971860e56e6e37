import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectorsModule } from '../connectors/connectors.module';
import { Connection } from './connection.entity';
import { ConnectionContextFactory } from './connection-context.factory';
import { ConnectionsController, SalesSitesController } from './connections.controller';
import { ConnectionsService } from './connections.service';
import { ConnectionKeepAlive } from './connection-keep-alive';
import { OAuthCallbackController } from './oauth-callback.controller';
import { SiteCalls } from './site-calls';

@Module({
  imports: [TypeOrmModule.forFeature([Connection]), ConnectorsModule],
  controllers: [SalesSitesController, ConnectionsController, OAuthCallbackController],
  providers: [ConnectionsService, ConnectionContextFactory, SiteCalls, ConnectionKeepAlive],
  // Modules reach a site only through SiteCalls; the registry and the contexts stay in here.
  exports: [ConnectionsService, SiteCalls, ConnectionKeepAlive],
})
export class ConnectionsModule {}
