import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { ApiKey } from './api-key.entity';

export class CreateApiKeyDto {
  /** What the key is for, e.g. "seller console" or "warehouse scanner". */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;
}

export class ApiKeyDto {
  id: string;
  name: string;
  /** the key's first characters, to tell keys apart */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;

  static from(row: ApiKey): ApiKeyDto {
    return Object.assign(new ApiKeyDto(), {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
      revokedAt: row.revokedAt,
    });
  }
}

export class ApiKeyCreatedDto extends ApiKeyDto {
  /** The key itself. Shown only in this response: store it now. Send it as `Authorization: Bearer <key>`. */
  key: string;
}
