import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ProblemException } from '../common/problem';

/** Guessing limits per fixed window: few per e-mail (one person's password), more per address (offices share one). */
export const SIGN_IN_LIMITS = { perEmail: 5, perAddress: 30, windowMs: 15 * 60_000 } as const;

const SWEEP_EVERY_MS = 10 * 60_000;

const emailKey = (email: string) => `email:${email.toLowerCase()}`;
const addressKey = (address: string) => `ip:${address}`;

/**
 * Sign-in attempts per e-mail and per client address, counted in Postgres so that every app instance
 * holds the same count. An attempt is counted BEFORE its password is checked and forgiven when it
 * succeeds: counting only failures afterwards would let a burst of parallel guesses all pass the check
 * before any of them was recorded.
 */
@Injectable()
export class SignInThrottle {
  private nextSweepAt = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Counts an attempt; past either limit, refuses it (429) until that window ends, whatever the password. */
  async claimAttempt(email: string, address: string): Promise<void> {
    await this.sweepEndedWindows();
    // Keys in a fixed order, so two concurrent attempts lock the rows in the same order.
    const rows = (await this.db.query(
      `INSERT INTO sign_in_attempts AS a (key, attempts, window_ends_at)
       SELECT key, 1, now() + $2 * interval '1 millisecond' FROM unnest($1::text[]) AS key
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN a.window_ends_at <= now() THEN 1 ELSE a.attempts + 1 END,
         window_ends_at = CASE WHEN a.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE a.window_ends_at END
       RETURNING key, attempts, ceil(extract(epoch FROM a.window_ends_at - now()))::int AS seconds_left`,
      [[emailKey(email), addressKey(address)], SIGN_IN_LIMITS.windowMs],
    )) as { key: string; attempts: number; seconds_left: number }[];
    const limitOf = (key: string) => (key.startsWith('email:') ? SIGN_IN_LIMITS.perEmail : SIGN_IN_LIMITS.perAddress);
    const over = rows.filter((row) => row.attempts > limitOf(row.key));
    if (over.length === 0) return;
    const seconds = Math.max(1, ...over.map((row) => row.seconds_left));
    // The same answer whether the e-mail exists or not, and for the e-mail's limit or the address's.
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'too-many-sign-in-attempts',
      'Too many sign-in attempts',
      `Too many sign-in attempts for this e-mail or from this address. Try again in ${seconds} s.`,
      { retryAfterSeconds: seconds },
    );
  }

  /** A successful sign-in: the e-mail's failures are forgotten, and the attempt no longer counts for the address. */
  async forgive(email: string, address: string): Promise<void> {
    await this.db.query(`DELETE FROM sign_in_attempts WHERE key = $1`, [emailKey(email)]);
    await this.db.query(`UPDATE sign_in_attempts SET attempts = greatest(attempts - 1, 0) WHERE key = $1`, [addressKey(address)]);
  }

  private async sweepEndedWindows(): Promise<void> {
    if (Date.now() < this.nextSweepAt) return;
    this.nextSweepAt = Date.now() + SWEEP_EVERY_MS;
    await this.db.query(`DELETE FROM sign_in_attempts WHERE window_ends_at <= now()`);
  }
}
