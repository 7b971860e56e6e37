import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Optional } from '../../common/validation';

/** The sign-in window's form (application/x-www-form-urlencoded), as the page posts it. */
export class SignInFormDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  state: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  csrfToken: string;

  /** the read-only login id the page shows; must be the connection's shop id */
  @Optional()
  @IsString()
  @MaxLength(100)
  loginId?: string;

  /** used once for the key exchange; never stored, never logged */
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  password: string;

  /** only when the page asked for one */
  @Optional()
  @IsString()
  @MaxLength(4000)
  apiKey?: string;
}
