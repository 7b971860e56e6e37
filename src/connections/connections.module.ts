import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectorsModule } from '../connectors/connectors.module';
import { Connection } from './connection.entity';
import { ConnectionContextFactory } from './connection-context.factory';
import { ConnectionsController, SalesSitesController } from './connections.controller';
import { ConnectionsService } from './connections.service';
import { OAuthCallbackController } from './oauth-callback.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Connection]), ConnectorsModule],
  controllers: [SalesSitesController, ConnectionsController, OAuthCallbackController],
  providers: [ConnectionsService, ConnectionContextFactory],
  exports: [ConnectionsService, ConnectionContextFactory],
})
export class ConnectionsModule {}
