import { Global, Module } from '@nestjs/common';
import { PreparedStatements } from './prepared-statements';

/** What any module may use of the database beside its own repositories: one `PreparedStatements` per app. */
@Global()
@Module({ providers: [PreparedStatements], exports: [PreparedStatements] })
export class DatabaseModule {}
