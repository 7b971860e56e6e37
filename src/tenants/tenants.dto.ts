import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ApiKeyCreatedDto } from '../auth/api-keys.dto';

export class CreateTenantDto {
  /** The seller's name as shown in the console. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;
}

export class TenantDto {
  id: string;
  name: string;
  createdAt: Date;
}

export class TenantCreatedDto {
  tenant: TenantDto;
  /** the tenant's first API key, shown only in this response */
  apiKey: ApiKeyCreatedDto;
}
