import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Statements on a hot path as named prepared statements, straight on TypeORM's pg pool.
 *
 * `DataSource.query` sends each statement to be parsed and planned again, and wraps it in a query runner. For
 * a statement run many times a second (the orders list's page query, the Smaregi webhook's group insert)
 * PostgreSQL's parse and plan cost about as much as running it, and on a small machine PostgreSQL shares the
 * cores with the app. A named statement is prepared once per pooled connection (pg remembers which are) and
 * then only bound and run. Statements are named by their text, so the same text always has the same name;
 * callers keep the number of texts bounded (one per filter combination, values always as parameters). Each
 * runs on its own, outside any transaction of the caller's (one statement is one transaction).
 */
@Injectable()
export class PreparedStatements {
  private readonly names = new Map<string, string>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async query<Row>(text: string, values: unknown[]): Promise<Row[]> {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `mb_${createHash('sha1').update(text).digest('base64url')}`;
      this.names.set(text, name);
    }
    const pool = (this.db.driver as PostgresDriver).master as Pool;
    return (await pool.query({ name, text, values })).rows as Row[];
  }
}
