import { IsString, Matches, MaxLength } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { ApiKeyCreatedDto } from '../auth/api-keys.dto';
import { NestedObject, Optional } from '../common/validation';
import { FirstOwnerDto, UserDto } from '../users/users.dto';

export class CreateTenantDto {
  /** The seller's name as shown in the console. */
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(200)
  name: string;

  /** A first owner who signs in with e-mail and password; omit to start with the API key alone. */
  @Optional()
  @NestedObject(() => FirstOwnerDto)
  firstOwner?: FirstOwnerDto;
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
  /** the owner given as `firstOwner`, or null */
  @ApiProperty({ type: UserDto, nullable: true })
  firstOwner: UserDto | null;
}
