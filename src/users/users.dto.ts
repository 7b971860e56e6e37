import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsEmail, IsIn, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '../auth/roles';
import { Optional } from '../common/validation';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords';
import type { User } from './user.entity';

const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 100;

export class CreateUserDto {
  /** The address the person signs in with; compared without case and unique in the tenant. */
  @IsEmail()
  @MaxLength(MAX_EMAIL_LENGTH)
  email: string;

  /** How the console shows the person. */
  @Optional()
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(MAX_NAME_LENGTH)
  name?: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  /** At least 12 characters. Only its argon2id hash is kept. */
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(MAX_PASSWORD_LENGTH)
  password: string;
}

/** The tenant's first person, an owner who can sign in to the console at once. */
export class FirstOwnerDto extends OmitType(CreateUserDto, ['role'] as const) {}

export class UpdateUserDto {
  /** `null` clears the name. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_NAME_LENGTH })
  @Optional({ nullable: true })
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(MAX_NAME_LENGTH)
  name?: string | null;

  /** The tenant's last owner cannot be given a lesser role (409). */
  @ApiPropertyOptional({ enum: ROLES })
  @Optional()
  @IsIn(ROLES)
  role?: Role;

  /** A new password (at least 12 characters): every other session of the person ends. */
  @Optional()
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(MAX_PASSWORD_LENGTH)
  password?: string;
}

export class ChangeOwnPasswordDto {
  /** The password the person signs in with now. */
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PASSWORD_LENGTH)
  currentPassword: string;

  /** The new password (at least 12 characters): every other session of the person ends. */
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(MAX_PASSWORD_LENGTH)
  newPassword: string;
}

export class UserDto {
  id: string;
  email: string;
  name: string | null;
  @ApiProperty({ enum: ROLES })
  role: Role;
  createdAt: Date;
  passwordChangedAt: Date;

  static from(row: User): UserDto {
    return Object.assign(new UserDto(), {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      createdAt: row.createdAt,
      passwordChangedAt: row.passwordChangedAt,
    });
  }
}

export class SignInDto {
  @IsEmail()
  @MaxLength(MAX_EMAIL_LENGTH)
  email: string;

  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PASSWORD_LENGTH)
  password: string;

  /** Needed only when the same e-mail and password open accounts in more than one tenant (409 otherwise). */
  @Optional()
  @IsUUID()
  tenantId?: string;
}

export class SignedInDto {
  /** The session token: send it as `Authorization: Bearer <token>`. Shown only in this response. */
  token: string;
  /** When the session ends unless used: every use moves it `SESSION_TTL_HOURS` ahead. */
  expiresAt: Date;
  user: UserDto;
}

export class CallerApiKeyDto {
  id: string;
  name: string;
  prefix: string;
}

export class CallerSessionDto {
  id: string;
  expiresAt: Date;
}

/**
 * Who is calling. A signed-in person: `kind` `user`, with `user` and `session`. A server with an API key:
 * `kind` `api-key`, role `owner`, with `apiKey`. The other fields are null.
 */
export class MeDto {
  @ApiProperty({ enum: ['user', 'api-key'] })
  kind: 'user' | 'api-key';
  tenantId: string;
  @ApiProperty({ enum: ROLES })
  role: Role;
  @ApiProperty({ type: UserDto, nullable: true })
  user: UserDto | null;
  @ApiProperty({ type: CallerSessionDto, nullable: true })
  session: CallerSessionDto | null;
  @ApiProperty({ type: CallerApiKeyDto, nullable: true })
  apiKey: CallerApiKeyDto | null;
}
