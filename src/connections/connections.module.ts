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
import { AuthorizationStates } from './authorization-states';
import { SignInWindowController } from './sign-in-window/sign-in-window.controller';
import { SignInWindowService } from './sign-in-window/sign-in-window.service';

@Module({
  imports: [TypeOrmModule.forFeature([Connection]), ConnectorsModule],
  controllers: [SalesSitesController, ConnectionsController, OAuthCallbackController, SignInWindowController],
  providers: [ConnectionsService, ConnectionContextFactory, SiteCalls, ConnectionKeepAlive, AuthorizationStates, SignInWindowService],
  // Modules reach a site only through SiteCalls; the registry and the contexts stay in here.
  exports: [ConnectionsService, SiteCalls, ConnectionKeepAlive],
})
export class ConnectionsModule {}
