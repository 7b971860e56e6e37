import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from '../auth/api-key.entity';
import { CallersService } from './callers.service';
import { LocalStrategy } from './local.strategy';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { SignInThrottle } from './sign-in-throttle';
import { User } from './user.entity';
import { UserSession } from './user-session.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** People of a tenant, their sign-in and their console sessions (DESIGN §8). */
@Module({
  imports: [TypeOrmModule.forFeature([User, UserSession, ApiKey])],
  controllers: [SessionsController, UsersController],
  providers: [UsersService, SessionsService, SignInThrottle, LocalStrategy, CallersService],
  exports: [SessionsService, UsersService],
})
export class UsersModule {}
